"""Typed request and response bodies of the JSON API (what the OpenAPI page documents).

Amounts and rates are ``Decimal`` (written as JSON numbers). Responses are built as these models
and sent with :func:`respond`, which keeps Decimals as numbers (pydantic's JSON mode would make
them strings).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jixiao.web.views import JSONResponse

#: Ids are database integers: anything outside this range is a 422, never a database error.
MAX_ID = 2**31 - 1
Year = Annotated[int, Field(ge=1900, le=2100)]
#: Path and query numbers, bounded so that no value reaches the database as an overflow.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
PathIndex = Annotated[int, Path(ge=0, le=100_000)]
QueryYear = Annotated[int | None, Query(ge=1900, le=2100)]
QueryLimit = Annotated[int, Query(ge=1, le=1000)]
QueryOffset = Annotated[int, Query(ge=0, le=MAX_ID)]
QueryPage = Annotated[int, Query(ge=1, le=100_000)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    """A body that documents its usual fields and keeps any others (the evaluation-file shape)."""

    model_config = ConfigDict(extra="allow")


class ErrorOut(BaseModel):
    """The one error shape of every API answer that is not a success."""

    ok: Literal[False] = False
    error: str = Field(description="一句话说明（中文）")
    errors: list[Any] = Field(default_factory=list, description="细节：校验错误 {loc, msg}，被拒的文件 {file, error, status}")
    status: int


#: Documented on every API route: what its errors look like.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in ((401, "未登录"), (403, "无权限或 CSRF 校验失败"), (404, "不存在或无权查看"),
                       (422, "请求参数不正确"))}


def multipart(fields: dict[str, tuple[str, str]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads a multipart form itself: field → (schema type, description)."""
    props = {}
    for name, (kind, text) in fields.items():
        if kind == "files":
            props[name] = {"type": "array", "items": {"type": "string", "format": "binary"}, "description": text}
        elif kind == "file":
            props[name] = {"type": "string", "format": "binary", "description": text}
        else:
            props[name] = {"type": kind, "description": text}
    schema = {"type": "object", "properties": props, "required": list(required)}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def respond(model: BaseModel, status_code: int = 200) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="python", exclude_none=False), status_code=status_code)


# -- requests -----------------------------------------------------------------------------------------------
class LoginIn(Model):
    username: str = Field("", max_length=200)
    password: str = Field("", max_length=1024)


class ReviewIn(Model):
    finding_index: int = Field(ge=0, le=100_000, description="问题在报告 findings 中的序号（从 0 开始）")
    decision: Literal["confirm", "reject"] = Field(description="confirm 确认 / reject 驳回")
    comment: str = Field("", max_length=5000)


class BudgetIn(Open):
    initial: Decimal | None = Field(None, description="年初预算数（万元）")
    adjusted: Decimal | None = Field(None, description="全年预算数（万元）")
    executed: Decimal | None = Field(None, description="执行数（万元）")
    execution_rate: Decimal | None = Field(None, description="预算执行率（%）")
    basic: Decimal | None = Field(None, description="基本支出（万元）")
    project: Decimal | None = Field(None, description="项目支出（万元）")


class IndicatorIn(Open):
    level1: str | None = Field(None, description="一级指标")
    level2: str | None = Field(None, description="二级指标")
    name: str | None = Field(None, description="三级指标")
    target: str | None = Field(None, description="年度指标值")
    actual: str | None = Field(None, description="实际完成值")
    weight: Decimal | None = Field(None, description="分值")
    score: Decimal | None = Field(None, description="得分")


class ScoreIn(Open):
    total: Decimal | None = Field(None, description="自评总分")


class EvaluationData(Open):
    """The evaluation-file shape (as ``jixiao score`` reads and the corpus labels use)."""

    department: str | None = Field(None, max_length=200, description="部门（填报人固定为本部门）")
    implementer: str | None = Field(None, description="实施单位")
    year: Year | None = Field(None, description="年度")
    scope: Literal["department", "project"] | None = Field(None, description="部门整体 / 项目支出")
    title: str | None = Field(None, max_length=300)
    goal: str | None = Field(None, description="年度总体目标")
    summary: str | None = None
    problems: str | None = None
    measures: str | None = None
    budget: BudgetIn | None = None
    score: ScoreIn | None = None
    indicators: list[IndicatorIn] | None = Field(None, max_length=2000)


class EvaluationIn(EvaluationData):
    """``{"evaluation": {...}, "framework"?}``, or the evaluation's fields at the top level."""

    evaluation: EvaluationData | None = Field(None, description="评价数据（也可直接放在顶层）")
    framework: str | None = Field(None, max_length=100, description="指标体系 id（不填则自动选择）")
    version: int | None = Field(None, ge=1, le=MAX_ID,
                                description="PUT 必填：读取时的 version；他人已保存更新的版本时返回 409")

    def data(self) -> dict[str, Any]:
        """The evaluation as a plain dict (given fields only), without the wrapper's keys."""
        inner = self.evaluation if self.evaluation is not None else self
        out = inner.model_dump(mode="python", exclude_unset=True)
        for key in ("evaluation", "framework", "version"):
            out.pop(key, None)
        return out


class DepartmentPatch(Model):
    name: str | None = Field(None, max_length=200)
    region: str | None = Field(None, max_length=200)
    dept_type: str | None = Field(None, max_length=100, description="单位类型（见 dept_types）")


class DepartmentIn(DepartmentPatch):
    name: str = Field(max_length=200)


class ReportMove(Model):
    """Re-file a report (管理员): only the given fields change."""

    department: str | None = Field(None, max_length=200)
    region: str | None = Field(None, max_length=200)
    year: Year | None = None
    dept_type: str | None = Field(None, max_length=100)


class UserPatch(Model):
    """Change an account: ``password`` and ``active`` (edit), ``role``, ``department``, ``region`` (move).

    Changing one's own password needs ``current_password``. Any change ends the account's sessions.
    """

    password: str | None = Field(None, max_length=1024)
    current_password: str | None = Field(None, max_length=1024)
    active: bool | None = None
    role: Literal["admin", "reviewer", "filler"] | None = None
    department: str | None = Field(None, max_length=200)
    region: str | None = Field(None, max_length=200)


class UserIn(Model):
    name: str = Field("", max_length=80)
    password: str = Field("", max_length=1024)
    role: str = Field("", description="admin | reviewer | filler")
    department: str | None = Field(None, max_length=200)
    region: str | None = Field(None, max_length=200)


# -- responses ----------------------------------------------------------------------------------------------
class Ok(Model):
    ok: bool = True


class UserOut(Model):
    id: int
    name: str
    role: str
    role_label: str | None = None
    department: str | None = None
    region: str | None = None


class UserDetail(UserOut):
    active: bool = True


class UserItemOut(Ok):
    user: UserDetail
    csrf_token: str | None = Field(None, description="改了自己的密码时：新会话的 CSRF token")


class LoginOut(Ok):
    user: UserOut
    csrf_token: str


class UserListOut(Ok):
    users: list[UserOut]


class UserCreated(Ok):
    user: UserOut


class ReportRow(Model):
    id: int
    file: str
    status: str = Field(description="queued | processing | done | error")
    error: str | None = None
    department: str | None = None
    region: str | None = None
    year: int | None = None
    scope: str | None = None
    dept_type: str | None = None
    score_total: Decimal | None = Field(None, description="按指标体系重算的得分")
    self_score: Decimal | None = Field(None, description="报告自评得分")
    grade: str | None = None
    execution_rate: Decimal | None = None
    findings_count: int = 0
    errors_count: int = 0


class ReportListOut(Ok):
    reports: list[ReportRow]
    total: int


class Accepted(Model):
    id: int
    file: str


class Rejected(Model):
    file: str
    error: str
    status: int


class UploadOut(Ok):
    batch: str
    accepted: list[Accepted]
    rejected: list[Rejected]


class ReviewOut(Model):
    id: int
    finding_index: int
    code: str | None = None
    decision: str
    comment: str
    user: str
    at: str


class ReviewCreated(Ok):
    review: ReviewOut


class ReportDetail(Model):
    id: int
    file: str
    sha256: str
    status: str
    error: str | None = None
    department: str | None = None
    region: str | None = None
    year: int | None = None
    scope: str | None = None
    dept_type: str | None = None
    score_total: Decimal | None = None
    self_score: Decimal | None = None
    grade: str | None = None
    execution_rate: Decimal | None = None
    findings_count: int = 0
    created_at: str | None = None
    evaluation: dict[str, Any] | None = Field(None, description="提取结果（评价文件结构，含 evidence）")
    score: dict[str, Any] | None = Field(None, description="评分树（ScoreResult JSON）")
    findings: list[dict[str, Any]] = Field(default_factory=list, description="审核发现（含原值、重算值与算式）")
    reviews: list[ReviewOut] = Field(default_factory=list)
    text: str | None = Field(None, description="文档全文（text=true 时）")


class ReportOut(Ok):
    report: ReportDetail


class EvaluationRecord(Model):
    id: int
    version: int = Field(description="保存时带上（乐观锁）")
    department: str
    region: str | None = None
    year: int | None = None
    title: str | None = None
    framework: str | None = None
    data: dict[str, Any]
    updated_at: str | None = None


class EvaluationOut(Ok):
    evaluation: EvaluationRecord


class EvaluationListOut(Ok):
    evaluations: list[EvaluationRecord]


class Scored(Open):
    score: dict[str, Any] | None = Field(None, description="评分树（ScoreResult JSON）")
    findings: list[dict[str, Any]] | None = None
    error: str | None = Field(None, description="无法评分时的原因")


class EvaluationScoredOut(EvaluationOut):
    scored: Scored


class ScoreOut(Ok):
    score: dict[str, Any]
    findings: list[dict[str, Any]]


class CompareOut(Ok):
    reports: list[ReportRow]
    years: list[int]
    departments: list[str]


class FrameworkItem(Open):
    id: str
    name: str
    stored: bool = Field(description="管理员上传的（可删除）")


class FrameworkListOut(Ok):
    frameworks: list[FrameworkItem]


class FrameworkOut(Ok):
    framework: dict[str, Any] = Field(description="指标树、权重、等级、舍入，以及每个叶子的规则与参数")


class FrameworkUploadOut(FrameworkOut):
    created: bool


class DepartmentOut(Model):
    id: int
    name: str
    region: str | None = None
    dept_type: str | None = None
    created_at: str | None = None


class DepartmentItemOut(Ok):
    department: DepartmentOut


class DepartmentListOut(Ok):
    departments: list[DepartmentOut]
    dept_types: list[str]


class HealthOut(Ok):
    revision: str | None = None
