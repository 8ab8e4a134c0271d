"""Logging in and out, the health check and the API reference page."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from jixiao.store import Viewer
from jixiao.web.accounts import do_login, do_logout, update_user
from jixiao.web.deps import csrf_form, current_user, page, viewer, wb
from jixiao.web.views import safe_next

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request):
    return RedirectResponse("/reports" if current_user(request) else "/login", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/reports"):
    return page(request, "login.html", next=safe_next(next), demo_login=wb(request).demo_login)


@router.post("/login")
def login_post(request: Request, form: FormData = Depends(csrf_form)):
    name, password = str(form.get("username") or ""), str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/reports"))
    user, error, status = do_login(request, name, password)
    if user is None:
        return page(request, "login.html", status_code=status, error=error, username=name, next=target,
                    demo_login=wb(request).demo_login)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, _form: FormData = Depends(csrf_form)):
    do_logout(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/account")
def account_page(request: Request, saved: str = "", _v: Viewer = Depends(viewer)):
    return page(request, "account.html", saved=bool(saved))


@router.post("/account/password")
def account_password(request: Request, v: Viewer = Depends(viewer), form: FormData = Depends(csrf_form)):
    """Change one's own password: every other session of the account ends, this one starts afresh."""
    from starlette.exceptions import HTTPException

    password, again = str(form.get("password") or ""), str(form.get("password2") or "")
    if password != again:
        return page(request, "account.html", status_code=400, error="两次输入的新密码不一致")
    try:
        update_user(request, v, v.id, {"password": password}, current_password=str(form.get("current_password") or ""))
    except HTTPException as exc:
        return page(request, "account.html", status_code=exc.status_code, error=str(exc.detail))
    return RedirectResponse("/account?saved=1", status_code=303)


@router.get("/api/docs")
def api_docs(request: Request):
    """The API reference, rendered here from the OpenAPI document (no CDN-hosted Swagger UI)."""
    spec = request.app.openapi()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": _type_name(p.get("schema") or {})} for p in op.get("parameters", [])]
            groups[(op.get("tags") or ["其他"])[0]].append(
                {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                 "doc": op.get("description", ""), "params": params, "body": _body_fields(spec, op)})
    return page(request, "api_docs.html", spec=spec, groups=dict(groups))


def _body_fields(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    """The request body's media type and its top-level fields (name, type, required) from the schema."""
    content = (op.get("requestBody") or {}).get("content") or {}
    if not content:
        return None
    media, body = next(iter(content.items()))
    schema = body.get("schema") or {}
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    required = set(schema.get("required") or ())
    fields = [{"name": name, "required": name in required, "type": _type_name(prop)}
              for name, prop in (schema.get("properties") or {}).items()]
    return {"media": media, "fields": fields}


def _type_name(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " | ".join(_type_name(p) for p in prop["anyOf"] if p.get("type") != "null")
    if prop.get("type") == "array":
        return f"{_type_name(prop.get('items') or {})}[]"
    if "enum" in prop:
        return " | ".join(map(str, prop["enum"]))
    if "const" in prop:
        return str(prop["const"])
    return str(prop.get("type", ""))


@router.get("/healthz")
async def healthz():
    """Answered on the event loop itself, touching nothing: it shows whether the loop is free."""
    return {"ok": True}
