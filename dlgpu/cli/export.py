"""``dlgpu export``: a saved model as a file other tools run, ONNX or PyTorch.

``dlgpu export MODEL --format onnx --out model.onnx`` writes the ONNX graph
of ``predict_proba`` (:func:`dlgpu.export.to_onnx`), ``--format torch --out
model.pt2`` a ``torch.export`` program of the ``nn.Sequential``
(:func:`dlgpu.export.save_torch`), which ``torch.export.load(path).module()``
runs without dlgpu.  Both take raw examples as rows, (batch, n_x), with the
model's preprocessing inside, and return (batch, n_L) = ``predict_proba(X).T``.
The format defaults from ``--out``'s suffix (``.onnx``, ``.pt2``), ``--out``
from MODEL's name.  The model is read on the host: no GPU is needed.
"""

from __future__ import annotations

from pathlib import Path

from .. import export as exports
from ..model import load_model

FORMATS = {"onnx": ".onnx", "torch": ".pt2"}


def add_parser(sub) -> None:
    parser = sub.add_parser("export",
                            help="write a saved model as ONNX or PyTorch for other tools")
    parser.add_argument("model", metavar="MODEL",
                        help="a model saved by `dlgpu train --out` or model.save()")
    parser.add_argument("--format", default=None, metavar="{onnx,torch}",
                        help="onnx: an ONNX graph (needs pip install \"dlgpu[onnx]\"); torch: "
                             "a torch.export program (.pt2) (default: from --out's suffix)")
    parser.add_argument("--out", default=None, metavar="PATH",
                        help="the file to write (default: MODEL with .onnx or .pt2)")
    parser.add_argument("--dtype", default=None, metavar="{float32,float64}",
                        help="the exported tensors' dtype (default: the model's; float32 "
                             "for a bfloat16 model, its master weights)")


def run(args) -> int:
    fmt = _format(args.format, args.out)
    out = Path(args.out) if args.out else Path(args.model).with_suffix(FORMATS[fmt])
    model = load_model(args.model, backend="numpy")  # an export never needs the GPU
    dtype = exports.export_dtype(model, args.dtype).name
    if fmt == "onnx":
        exports.to_onnx(model, out, dtype=dtype)
        how = f"ONNX opset {exports.ONNX_OPSET}; onnxruntime.InferenceSession('{out}')"
    else:
        exports.save_torch(model, out, dtype=dtype)
        how = f"torch.export.load('{out}').module()"
    n_x, n_L = model.layer_dims[0], model.layer_dims[-1]
    inputs = f", {model.preprocessing_.kind}d inside" if model.preprocessing_ else ""
    names = ((f"'{exports.INPUT_NAME}' ", f"'{exports.OUTPUT_NAME}' ") if fmt == "onnx"
             else ("", ""))
    print(f"Wrote {out}: input {names[0]}(batch, {n_x}) {dtype} raw rows{inputs}, "
          f"output {names[1]}(batch, {n_L}) = predict_proba(X).T ({how})")
    return 0


def _format(given: str | None, out: str | None) -> str:
    if given is not None:
        if given.lower() not in FORMATS:
            raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {given!r}")
        return given.lower()
    suffix = Path(out).suffix.lower() if out else ""
    for fmt, known in FORMATS.items():
        if suffix == known:
            return fmt
    raise ValueError("give --format onnx or --format torch (or an --out ending in "
                     f"{' or '.join(FORMATS.values())})")
