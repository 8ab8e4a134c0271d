"""Lossless simplification of PP-OCR's ONNX graphs, done in memory when the OCR engine starts.

PaddleOCR's PP-OCRv4 models (PPLCNetV3 backbone), as exported to ONNX and shipped in rapidocr's wheel, spell
every block out as eight element-wise passes around each convolution::

    Conv → Mul(a) → Add(b) → [Add(3) → Clip(0, 6) → Mul(x) → Div(6)] → Mul(c) → Add(d) → next Conv
           └ learnable affine ┘  └──────────── hard-swish ─────────┘  └ learnable affine ┘

On one core those passes cost as much as the convolutions. The same function is computed with fewer passes:

1. ``Mul(a) → Add(b)`` after a convolution is folded into its weights and bias: ``a·(W∗x + B) + b``.
2. The hard-swish is ``x · HardSigmoid(x)`` (alpha 1/6, beta 1/2): two passes instead of four.
3. ``Mul(c) → Add(d)`` before a convolution becomes ``c·(y + d/c)``: ``c`` goes into the next weights, and
   ``d/c`` stays an ``Add`` where the convolution pads (zero padding of ``c·(y + d/c)`` is zero padding of
   ``y + d/c``), or goes into the bias of a 1×1 convolution without padding.

Every rewrite is exact algebra; the outputs differ from the original's by float rounding (a few 1e-4 on the
recogniser's probabilities, checked at start-up by :func:`session` and in the tests). The rewrite needs the
``onnx`` package; without it, or when a graph does not have this shape, the original model is used.
"""

from __future__ import annotations

from collections import defaultdict

__all__ = ["simplify", "session"]

#: Largest difference allowed between the original's and the simplified model's outputs on the probe input.
TOLERANCE = 1e-3


def simplify(model_bytes: bytes) -> tuple[bytes, dict[str, int]]:
    """The simplified model (serialized) and how many of each rewrite were made."""
    import onnx

    m = onnx.load_from_string(model_bytes)
    g = m.graph
    consts = _lift_constants(g)
    nodes = [n for n in g.node if n.op_type != "Constant" or n.output[0] not in consts]
    counts = {"conv_affine": 0, "hardswish": 0, "input_affine": 0}
    nodes = _fold_conv_affine(nodes, consts, g, counts)
    nodes = _hardswish(nodes, consts, g, counts)
    nodes = _fold_input_affine(nodes, consts, g, counts)
    used = {i for n in nodes for i in n.input}
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(t for name, t in consts.items() if name in used)
    onnx.checker.check_model(m)
    return m.SerializeToString(), counts


def session(path: str, threads: int = 1, reference=None, probe_shape=(1, 3, 48, 96)):
    """An onnxruntime session of the simplified model at ``path``, or None when it cannot be used.

    ``reference``, the session of the original model, is run beside the new one on a probe input of
    ``probe_shape``; when the outputs differ by more than :data:`TOLERANCE` the simplified model is not used.
    """
    try:
        import numpy as np
        import onnxruntime as ort

        with open(path, "rb") as f:
            data, counts = simplify(f.read())
    except Exception:  # no onnx package, or a graph this rewrite does not understand: keep the original
        return None
    if not any(counts.values()):
        return None
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 4
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
        if reference is not None:
            inp = sess.get_inputs()[0]
            probe = np.random.default_rng(0).uniform(-1, 1, probe_shape).astype(np.float32)
            a = reference.run(None, {inp.name: probe})[0]
            b = sess.run(None, {inp.name: probe})[0]
            if a.shape != b.shape or float(np.abs(a - b).max()) > TOLERANCE:
                return None
    except Exception:
        return None
    return sess


# ---------------------------------------------------------------------------------------------------
# rewrites


def _lift_constants(g) -> dict:
    """Initializers and ``Constant`` nodes' values, by name, as TensorProtos (Constant nodes become these)."""
    from onnx import numpy_helper

    out = {t.name: t for t in g.initializer}
    for n in g.node:
        if n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value":
            out[n.output[0]] = numpy_helper.from_array(numpy_helper.to_array(n.attribute[0].t), n.output[0])
    return out


def _array(consts: dict, name: str):
    from onnx import numpy_helper

    return numpy_helper.to_array(consts[name])


def _scalar(consts: dict, name: str) -> float | None:
    if name not in consts:
        return None
    a = _array(consts, name)
    return float(a.ravel()[0]) if a.size == 1 else None


def _other_scalar(node, x: str, consts: dict) -> float | None:
    """The scalar constant operand of a binary ``node`` whose other operand is ``x``."""
    others = [i for i in node.input if i != x]
    return _scalar(consts, others[0]) if len(node.input) == 2 and len(others) == 1 else None


def _consumers(nodes, g) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for n in nodes:
        for i in n.input:
            out[i].append(n)
    for o in g.output:
        out[o.name].append(None)  # a graph output may not be renamed away
    return out


def _only(consumers: dict, name: str, op: str):
    """The single consumer of ``name`` when it is an ``op`` node, else None."""
    c = consumers.get(name, [])
    return c[0] if len(c) == 1 and c[0] is not None and c[0].op_type == op else None


def _set(consts: dict, name: str, arr) -> str:
    import numpy as np
    from onnx import numpy_helper

    consts[name] = numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)
    return name


def _weights(conv, consts: dict):
    import numpy as np

    w = _array(consts, conv.input[1])
    b = _array(consts, conv.input[2]) if len(conv.input) > 2 and conv.input[2] else np.zeros(w.shape[0], np.float32)
    return w, b


def _fold_conv_affine(nodes, consts, g, counts):
    """Conv → Mul(a) [→ Add(b)] becomes one Conv with weights a·W and bias a·B + b."""
    cons = _consumers(nodes, g)
    drop: set[int] = set()
    for n in nodes:
        if n.op_type != "Conv" or n.input[1] not in consts:
            continue
        mul = _only(cons, n.output[0], "Mul")
        a = _other_scalar(mul, n.output[0], consts) if mul is not None else None
        if a is None:
            continue
        last, b = mul, 0.0
        add = _only(cons, mul.output[0], "Add")
        if add is not None and (bb := _other_scalar(add, mul.output[0], consts)) is not None:
            last, b = add, bb
        w, bias = _weights(n, consts)
        n.input[:] = [n.input[0], _set(consts, n.output[0] + "/w_folded", w * a),
                      _set(consts, n.output[0] + "/b_folded", bias * a + b)]
        n.output[0] = last.output[0]
        drop.update({id(mul), id(last)})
        counts["conv_affine"] += 1
    return [n for n in nodes if id(n) not in drop]


def _hardswish(nodes, consts, g, counts):
    """x → Add(3) → Clip(0, 6) → Mul(x, ·) → Div(6) becomes x → HardSigmoid(1/6, 1/2) → Mul(x, ·)."""
    from onnx import helper

    cons = _consumers(nodes, g)
    replace: dict[int, list] = {}
    drop: set[int] = set()
    for n in nodes:
        if n.op_type != "Add" or len(n.input) != 2:
            continue
        x = n.input[0]
        if _other_scalar(n, x, consts) != 3.0:
            continue
        clip = _only(cons, n.output[0], "Clip")
        if clip is None or len(clip.input) != 3 or _scalar(consts, clip.input[1]) != 0.0 \
                or _scalar(consts, clip.input[2]) != 6.0:
            continue
        mul = _only(cons, clip.output[0], "Mul")
        if mul is None or x not in mul.input:
            continue
        div = _only(cons, mul.output[0], "Div")
        if div is None or div.input[0] != mul.output[0] or _scalar(consts, div.input[1]) != 6.0:
            continue
        out = div.output[0]
        hs = out + "/hardsigmoid"
        replace[id(n)] = [helper.make_node("HardSigmoid", [x], [hs], name=hs, alpha=1 / 6, beta=0.5),
                          helper.make_node("Mul", [x, hs], [out], name=out + "/mul")]
        drop.update({id(clip), id(mul), id(div)})
        counts["hardswish"] += 1
    out_nodes = []
    for n in nodes:
        if id(n) in replace:
            out_nodes.extend(replace[id(n)])
        elif id(n) not in drop:
            out_nodes.append(n)
    return out_nodes


def _fold_input_affine(nodes, consts, g, counts):
    """y → Mul(c) → Add(d) → Conv becomes y → Add(d/c) → Conv(c·W), or y → Conv(c·W, B + d·ΣW) at 1×1 unpadded."""
    cons = _consumers(nodes, g)
    drop: set[int] = set()
    for n in nodes:
        if n.op_type != "Mul" or len(n.input) != 2:
            continue
        ys = [i for i in n.input if i not in consts]
        if len(ys) != 1:
            continue
        y = ys[0]
        c = _other_scalar(n, y, consts)
        add = _only(cons, n.output[0], "Add")
        if not c or add is None:
            continue
        d = _other_scalar(add, n.output[0], consts)
        conv = _only(cons, add.output[0], "Conv")
        if d is None or conv is None or conv.input[0] != add.output[0] or conv.input[1] not in consts:
            continue
        attrs = {a.name: a for a in conv.attribute}
        pads = list(attrs["pads"].ints) if "pads" in attrs else [0]
        auto_pad = attrs["auto_pad"].s.decode() if "auto_pad" in attrs else "NOTSET"
        w, bias = _weights(conv, consts)
        tag = conv.output[0]
        if not any(pads) and auto_pad in ("NOTSET", "VALID") and w.shape[2:] == (1, 1):
            conv.input[:] = [y, _set(consts, tag + "/w_in", w * c),
                             _set(consts, tag + "/b_in", bias + d * w.reshape(w.shape[0], -1).sum(axis=1))]
            drop.update({id(n), id(add)})
        else:
            add.input[:] = [y, _set(consts, tag + "/shift_in", [d / c])]
            conv.input[:] = [add.output[0], _set(consts, tag + "/w_in", w * c), _set(consts, tag + "/b_in", bias)]
            drop.add(id(n))
        counts["input_affine"] += 1
    return [n for n in nodes if id(n) not in drop]
