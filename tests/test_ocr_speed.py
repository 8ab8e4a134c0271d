"""The OCR speed work must not change what is read: graph simplification, unpadded recognition, line clustering.

The algebra of :mod:`jixiao.ocr.engines.graph` is checked on a small graph of the same shape built here (needs the
``onnx`` package); the real PP-OCRv4 networks and the recogniser path on rendered text need the OCR extra and the
Noto CJK font, and skip cleanly without them.
"""

from __future__ import annotations

import random
import statistics
from pathlib import Path

import pytest

from jixiao import ocr
from jixiao.ocr import engines, layout
from jixiao.ocr.layout import Word

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
needs_onnx = pytest.mark.skipif(
    not all(__import__("importlib").util.find_spec(m) for m in ("onnx", "onnxruntime")),
    reason="onnx / onnxruntime not installed (pip install jixiao[ocr])")
needs_rapidocr = pytest.mark.skipif(not ocr.available("rapidocr"), reason="rapidocr extra not installed")
needs_font = pytest.mark.skipif(not FONT.exists(), reason="Noto CJK font not installed (fonts-noto-cjk)")


# ------------------------------------------------------------------------------------------ graph algebra


def _block_model(seed: int = 0) -> bytes:
    """Conv → affine → hard-swish → affine → depthwise 3×3 (padded) → affine → hard-swish → affine → 1×1 Conv.

    The PPLCNetV3 block as PaddleOCR exports it, with random weights and affine constants.
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name))
        return name

    def affine(x, tag):
        a = const(f"{tag}_a", [rng.uniform(0.2, 3)])
        b = const(f"{tag}_b", [rng.uniform(-1, 1)])
        nodes.append(helper.make_node("Mul", [a, x], [f"{tag}_m"]))  # constant first, as the export writes it
        nodes.append(helper.make_node("Add", [f"{tag}_m", b], [f"{tag}_o"]))
        return f"{tag}_o"

    def hardswish(x, tag):
        three, zero, six = const(f"{tag}_3", [3.0]), const(f"{tag}_0", 0.0), const(f"{tag}_6", 6.0)
        nodes.append(helper.make_node("Add", [x, three], [f"{tag}_p"]))
        nodes.append(helper.make_node("Clip", [f"{tag}_p", zero, six], [f"{tag}_c"]))
        nodes.append(helper.make_node("Mul", [x, f"{tag}_c"], [f"{tag}_mm"]))
        nodes.append(helper.make_node("Div", [f"{tag}_mm", const(f"{tag}_d", [6.0])], [f"{tag}_o"]))
        return f"{tag}_o"

    c = 8
    nodes.append(helper.make_node("Conv", ["x", const("w1", rng.normal(0, 0.5, (c, 3, 3, 3))),
                                           const("b1", rng.normal(0, 0.1, c))], ["c1"], pads=[1, 1, 1, 1]))
    y = affine(hardswish(affine("c1", "l1"), "h1"), "l2")
    nodes.append(helper.make_node("Conv", [y, const("w2", rng.normal(0, 0.5, (c, 1, 3, 3))),
                                           const("b2", rng.normal(0, 0.1, c))], ["c2"], pads=[1, 1, 1, 1], group=c))
    y = affine(hardswish(affine("c2", "l3"), "h2"), "l4")
    nodes.append(helper.make_node("Conv", [y, const("w3", rng.normal(0, 0.5, (4, c, 1, 1)))], ["out"]))
    graph = helper.make_graph(nodes, "block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 20])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4, 12, 20])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    model.ir_version = 8
    return model.SerializeToString()


def _run(model: bytes, x):
    import onnxruntime as ort

    return ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


@needs_onnx
def test_simplified_block_computes_the_same_function_with_fewer_passes():
    import numpy as np
    import onnx

    from jixiao.ocr.engines.graph import simplify

    original = _block_model()
    simple, counts = simplify(original)
    assert counts == {"conv_affine": 2, "hardswish": 2, "input_affine": 2}
    ops = [n.op_type for n in onnx.load_from_string(simple).graph.node]
    assert "Clip" not in ops and "Div" not in ops and ops.count("HardSigmoid") == 2
    assert len(ops) == 3 + 2 * 2 + 1  # three convs, two x·HardSigmoid(x), one shift kept before the padded conv
    x = np.random.default_rng(1).uniform(-2, 2, (1, 3, 12, 20)).astype(np.float32)
    a, b = _run(original, x), _run(simple, x)
    # the padded depthwise conv sees the shifted input's zero padding exactly as before: borders included
    assert np.abs(a - b).max() < 1e-4 * max(1.0, float(np.abs(a).max()))


@needs_onnx
def test_session_keeps_the_original_when_the_probe_disagrees(tmp_path):
    import numpy as np
    import onnxruntime as ort

    from jixiao.ocr.engines.graph import session

    path = tmp_path / "block.onnx"
    path.write_bytes(_block_model(0))
    same = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    other = ort.InferenceSession(_block_model(1), providers=["CPUExecutionProvider"])  # other weights
    shape = (1, 3, 12, 20)
    assert session(str(path), 1, same, shape) is not None
    assert session(str(path), 1, other, shape) is None
    assert session(str(tmp_path / "missing.onnx"), 1, same, shape) is None
    x = np.zeros(shape, np.float32)
    assert session(str(path), 1, same, shape).run(None, {"x": x})[0].shape == same.run(None, {"x": x})[0].shape


# ------------------------------------------------------------------------------------------ real networks


def _line_image(text: str, px: int = 46):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), px)
    w = int(font.getlength(text)) + px
    im = Image.new("L", (w, int(px * 1.6)), 255)
    ImageDraw.Draw(im).text((px // 2, px // 4), text, font=font, fill=0)
    return im


@needs_onnx
@needs_rapidocr
@needs_font
def test_simplified_networks_read_rendered_lines_as_the_originals_do():
    import numpy as np
    import onnxruntime as ort

    from jixiao.ocr.engines import graph
    from jixiao.ocr.engines.rapid import model_paths

    paths = model_paths()
    for kind, probe in (("rec", (1, 3, 48, 96)), ("det", (1, 3, 96, 96))):
        ref = ort.InferenceSession(str(paths[kind]), providers=["CPUExecutionProvider"])
        fast = graph.session(str(paths[kind]), 1, ref, probe)
        assert isinstance(fast, ort.InferenceSession)
        lines = ["全年预算数675.58万元，执行数674.99万元", "预算执行率99.91%", "10", "满意度≥90%"]
        for text in lines:
            grey = np.asarray(_line_image(text))
            if probe[2] == 48:
                h, w = grey.shape
                rw = int(48 * w / h)
                x = (np.asarray(_line_image(text).resize((rw, 48)), dtype=np.float32) / 127.5 - 1.0)
                x = np.repeat(x[None, None], 3, axis=1)
            else:
                x = np.ones((1, 3, 96, 32 * -(-grey.shape[1] // 32)), np.float32)
                x[0, :, 8:8 + min(88, grey.shape[0]), :grey.shape[1]] = grey[:88] / 127.5 - 1.0
            name = ref.get_inputs()[0].name
            a, b = ref.run(None, {name: x})[0], fast.run(None, {name: x})[0]
            assert np.abs(a - b).max() < 1e-3  # float rounding through some thirty layers
            if probe[2] == 48:
                assert (a.argmax(-1) == b.argmax(-1)).all()


@needs_rapidocr
@needs_font
def test_unpadded_recognition_reads_short_and_long_lines_with_boxes_on_the_glyphs():
    import numpy as np

    eng = engines.get(ocr.OcrSettings(engine="rapidocr"))
    for text in ("10", "98.16%", "一般公共预算财政拨款支出674.99万元，项目支出107.57万元"):
        grey = np.asarray(_line_image(text))
        h, w = grey.shape
        box = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        (res,) = eng.recognize([grey], [box])
        assert res[0] == text
        assert res[3] == list(text) and len(res[2]) == len(text) and len(res[4]) == len(text)
        ink = (grey < 128).any(axis=0)
        for quad in res[2]:
            xs = [p[0] for p in quad]
            centre = (min(xs) + max(xs)) / 2
            assert ink[max(0, int(centre) - 12):int(centre) + 12].any()  # each box sits on ink, not on a gap
        lefts = [min(p[0] for p in q) for q in res[2]]
        assert lefts == sorted(lefts)


# ------------------------------------------------------------------------------------------ line clustering


def _cluster_reference(words: list[Word]) -> list[list[Word]]:
    """The plain statement of the clustering rule (quadratic), against which the indexed version is checked."""
    hs = sorted(w.h for w in words)
    med_h = hs[len(hs) // 2] or 1.0
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.yc, w.x0)):
        best = None
        for ln in lines[-6:]:
            last = max(ln, key=lambda v: v.x1)
            ref = last.yc if w.x0 >= last.x0 else statistics.median(v.yc for v in ln)
            if abs(w.yc - ref) <= 0.45 * max(med_h, min(w.h, last.h)) and all(
                    v.x1 <= w.x0 + 0.3 * med_h or v.x0 >= w.x1 - 0.3 * med_h for v in ln):
                best = ln
                break
        if best is None:
            lines.append([w])
        else:
            best.append(w)
    return lines


@pytest.mark.parametrize("seed", range(12))
def test_indexed_line_clustering_matches_the_plain_rule(seed):
    rng = random.Random(seed)
    words = []
    for row in range(rng.randint(1, 25)):
        y = 60 * row + rng.uniform(-8, 8)
        x = rng.uniform(0, 50)
        for _ in range(rng.randint(1, 40)):
            wd = rng.choice([20, 40, 44, 90, 300])
            h = rng.uniform(30, 46)
            dy = rng.uniform(-6, 6) + x * rng.choice([0, 0.01, -0.015])  # skew
            words.append(Word("字", x, y + dy, x + wd, y + dy + h, 0.9))
            x += wd + rng.choice([-12, 0, 2, 6, 30, 120])  # touching, overlapping and far-apart boxes
    rng.shuffle(words)
    assert layout._cluster_lines(words) == _cluster_reference(words)

