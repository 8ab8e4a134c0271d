"""PP-OCR's pre- and post-processing around its two networks, as PaddleOCR and rapidocr define them.

Ported from rapidocr-onnxruntime 1.4 (``ch_ppocr_det``, ``ch_ppocr_rec``, ``main.py``; Apache-2.0,
after PaddleOCR) so that jixiao runs the networks in its own ONNX Runtime sessions instead of
reaching into rapidocr's objects; the arithmetic is the same, step for step (shapely's polygon area
and length are computed here from the four corners):

* detection: the page scaled so its short side is at least 736 px, in multiples of 32, normalised
  to [-1, 1]; the probability map thresholded (0.3), dilated, its contours boxed, scored (≥ 0.5),
  grown by the DB "unclip" (ratio 1.6, pyclipper) and mapped back to the page;
* boxes sorted top to bottom, left to right; each line cut out by a perspective warp;
* recognition: CTC greedy decoding, with the input column of every character kept.
"""

from __future__ import annotations

from typing import Any

#: rapidocr's defaults (its config.yaml) for the detector and the result filter.
LIMIT_SIDE_LEN = 736
THRESH = 0.3
BOX_THRESH = 0.5
MAX_CANDIDATES = 1000
UNCLIP_RATIO = 1.6
MIN_SIZE = 3
TEXT_SCORE = 0.5
#: A page lower than this, or wider than WIDTH_HEIGHT_RATIO times its height, is a strip: it is padded
#: above and below before detection, as rapidocr does.
MIN_HEIGHT = 30
WIDTH_HEIGHT_RATIO = 8


def det_input(img: Any) -> Any:
    """An RGB page → the detector's input tensor (1, 3, H, W), H and W multiples of 32."""
    import cv2
    import numpy as np

    h, w = img.shape[:2]
    ratio = 1.0
    if min(h, w) < LIMIT_SIDE_LEN:
        ratio = float(LIMIT_SIDE_LEN) / h if h < w else float(LIMIT_SIDE_LEN) / w
    rh, rw = int(round(int(h * ratio) / 32) * 32), int(round(int(w * ratio) / 32) * 32)
    if rw <= 0 or rh <= 0:
        return None
    resized = cv2.resize(img, (rw, rh))
    x = (resized.astype("float32") * (1 / 255.0) - np.array([0.5, 0.5, 0.5])) / np.array([0.5, 0.5, 0.5])
    return np.expand_dims(x.transpose((2, 0, 1)), axis=0).astype(np.float32)


def db_boxes(pred: Any, shape: tuple[int, int]) -> Any:
    """The detector's probability map → text-line quadrilaterals (int32, N×4×2) in page pixels."""
    import cv2
    import numpy as np

    src_h, src_w = shape
    prob = pred[:, 0, :, :][0]
    mask = cv2.dilate(np.array(prob > THRESH).astype(np.uint8), np.array([[1, 1], [1, 1]]))
    height, width = mask.shape
    outs = cv2.findContours((mask * 255).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    contours = outs[1] if len(outs) == 3 else outs[0]
    boxes = []
    for contour in contours[:MAX_CANDIDATES]:
        points, sside = _mini_box(contour)
        if sside < MIN_SIZE:
            continue
        if _box_score(prob, points.reshape(-1, 2)) < BOX_THRESH:
            continue
        box, sside = _mini_box(_unclip(points))
        if sside < MIN_SIZE + 2:
            continue
        box[:, 0] = np.clip(np.round(box[:, 0] / width * src_w), 0, src_w)
        box[:, 1] = np.clip(np.round(box[:, 1] / height * src_h), 0, src_h)
        boxes.append(box.astype(np.int32))
    return np.array(boxes, dtype=np.int32)


def _mini_box(contour: Any) -> tuple[Any, float]:
    import cv2
    import numpy as np

    rect = cv2.minAreaRect(contour)
    points = sorted(list(cv2.boxPoints(rect)), key=lambda x: x[0])
    i1, i4 = (0, 1) if points[1][1] > points[0][1] else (1, 0)
    i2, i3 = (2, 3) if points[3][1] > points[2][1] else (3, 2)
    return np.array([points[i1], points[i2], points[i3], points[i4]]), min(rect[1])


def _box_score(bitmap: Any, box: Any) -> float:
    import cv2
    import numpy as np

    h, w = bitmap.shape[:2]
    box = box.copy()
    xmin = np.clip(np.floor(box[:, 0].min()).astype(np.int32), 0, w - 1)
    xmax = np.clip(np.ceil(box[:, 0].max()).astype(np.int32), 0, w - 1)
    ymin = np.clip(np.floor(box[:, 1].min()).astype(np.int32), 0, h - 1)
    ymax = np.clip(np.ceil(box[:, 1].max()).astype(np.int32), 0, h - 1)
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    box[:, 0] = box[:, 0] - xmin
    box[:, 1] = box[:, 1] - ymin
    cv2.fillPoly(mask, box.reshape(1, -1, 2).astype(np.int32), 1)
    return cv2.mean(bitmap[ymin:ymax + 1, xmin:xmax + 1], mask)[0]


def _unclip(box: Any) -> Any:
    """The box grown by area × ratio / perimeter on every side (round joins), as DB's post-processing does."""
    import numpy as np
    import pyclipper

    p = np.asarray(box, dtype=np.float64)
    x, y = p[:, 0], p[:, 1]
    area = abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2
    length = float(np.sum(np.hypot(np.roll(x, -1) - x, np.roll(y, -1) - y)))
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(box, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return np.array(offset.Execute(area * UNCLIP_RATIO / length)).reshape((-1, 1, 2))


def tidy_boxes(boxes: Any, shape: tuple[int, int]) -> Any:
    """Corners clockwise from the top left, clipped to the page; boxes 3 px or less across dropped."""
    import numpy as np

    h, w = shape
    out = []
    for box in boxes:
        box = _clockwise(box)
        for k in range(box.shape[0]):
            box[k, 0] = int(min(max(box[k, 0], 0), w - 1))
            box[k, 1] = int(min(max(box[k, 1], 0), h - 1))
        if int(np.linalg.norm(box[0] - box[1])) <= 3 or int(np.linalg.norm(box[0] - box[3])) <= 3:
            continue
        out.append(box)
    return np.array(out)


def _clockwise(pts: Any) -> Any:
    import numpy as np

    xs = pts[np.argsort(pts[:, 0]), :]
    left, right = xs[:2, :], xs[2:, :]
    tl, bl = left[np.argsort(left[:, 1]), :]
    tr, br = right[np.argsort(right[:, 1]), :]
    return np.array([tl, tr, br, bl], dtype="float32")


def sorted_boxes(boxes: Any) -> list[Any]:
    """Top to bottom, then left to right among boxes whose tops are within 10 px."""
    out = list(sorted(boxes, key=lambda b: (b[0][1], b[0][0])))
    for i in range(len(out) - 1):
        for j in range(i, -1, -1):
            if abs(out[j + 1][0][1] - out[j][0][1]) < 10 and out[j + 1][0][0] < out[j][0][0]:
                out[j], out[j + 1] = out[j + 1], out[j]
            else:
                break
    return out


def crop(img: Any, points: Any) -> Any:
    """The line under ``points`` warped upright (turned 90° when 1.5 times taller than wide)."""
    import cv2
    import numpy as np

    w = int(max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3])))
    h = int(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2])))
    std = np.array([[0, 0], [w, 0], [w, h], [0, h]]).astype(np.float32)
    m = cv2.getPerspectiveTransform(np.asarray(points, dtype=np.float32), std)
    out = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if out.shape[0] * 1.0 / out.shape[1] >= 1.5:
        out = np.rot90(out)
    return out


def characters(session: Any) -> list[str]:
    """The recogniser's alphabet from the model's own metadata, with CTC's blank first and a space last."""
    chars = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return ["blank", *chars, " "]


def ctc_decode(preds: Any, alphabet: list[str]) -> tuple[str, float, list[int], list[float]]:
    """Greedy CTC on one line: text, mean confidence, the input column of each character, their confidences."""
    import numpy as np

    idx = preds.argmax(axis=2)[0]
    prob = preds.max(axis=2)[0]
    keep = np.ones(len(idx), dtype=bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    confs = np.array(prob[keep]).tolist()
    text = "".join(alphabet[i] for i in idx[keep])
    return text, float(np.mean(confs or [0])), np.where(keep)[0].tolist(), confs
