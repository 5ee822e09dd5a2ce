"""The PyTorch half of the GPU measurement (issue 15; docs/gpu.md).

1. Builds torchvision's ResNet-50 with random weights (seed 0; no download) and exports it to
   ONNX with a dynamic batch axis, for rsbench to load (input "input" 3x224x224, output "logits").
2. Checks the export: PyTorch on the CPU and onnxruntime (Python, CPU) agree on two images, when
   onnxruntime is importable.
3. If CUDA is available: images/s of the same model at each batch size, three ways: strict fp32
   with the batch already on the GPU (TF32 off), the same with the batch copied from host memory
   each call (what onnxruntime-node's session.run does with a CPU tensor), and PyTorch's default
   settings (cuDNN may use TF32 for convolutions).
Writes one JSON object to --out. Run by scripts/gpu/run.sh; runs on a CPU-only torch too.
"""
import argparse
import json
import sys
import time

import torch
import torchvision


def export(model, path):
    """Exports with the TorchScript exporter where the torch version has it, else with dynamo."""
    x = torch.rand(2, 3, 224, 224)
    names = dict(input_names=["input"], output_names=["logits"])
    axes = {"input": {0: "batch"}, "logits": {0: "batch"}}
    try:
        torch.onnx.export(model, (x,), path, opset_version=17, dynamic_axes=axes, dynamo=False, **names)
        return "torchscript (dynamo=False)"
    except TypeError:  # torch < 2.5: no dynamo argument, TorchScript only
        torch.onnx.export(model, (x,), path, opset_version=17, dynamic_axes=axes, **names)
        return "torchscript"
    except Exception as error:  # the TorchScript exporter was removed or failed: dynamo
        batch = torch.export.Dim("batch", min=1, max=4096)
        torch.onnx.export(model, (x,), path, dynamo=True, dynamic_shapes={"x": {0: batch}}, **names)
        return f"dynamo (torchscript failed: {type(error).__name__}: {error})"


def check_export(model, path):
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as error:
        return {"skipped": f"onnxruntime not importable: {error}"}
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x).numpy()
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    return {"maxAbsDiff": float(np.abs(got - expected).max()), "sameLabels": bool((got.argmax(1) == expected.argmax(1)).all())}


def images_per_second(model, batch, device, seconds, from_host):
    host = torch.rand(batch, 3, 224, 224).pin_memory() if device == "cuda" else torch.rand(batch, 3, 224, 224)
    x = host.to(device)
    with torch.no_grad():
        for _ in range(3):  # warm-up: cuDNN algorithm choice, allocator
            model(host.to(device, non_blocking=True) if from_host else x)
        if device == "cuda":
            torch.cuda.synchronize()
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            model(host.to(device, non_blocking=True) if from_host else x).argmax(1)
            done += batch
            if device == "cuda":
                torch.cuda.synchronize()
        return done / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onnx", required=True, help="where to write the ONNX model")
    parser.add_argument("--batches", default="64,128,256")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per case")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    report = {"torch": torch.__version__, "torchvision": torchvision.__version__, "cuda": torch.cuda.is_available()}

    def save():
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)

    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).eval()
    start = time.perf_counter()
    report["exporter"] = export(model, args.onnx)
    report["exportSeconds"] = time.perf_counter() - start
    report["exportCheck"] = check_export(model, args.onnx)
    save()
    print(json.dumps(report), flush=True)
    if not torch.cuda.is_available():
        report["anchor"] = {"skipped": "CUDA is not available"}
        save()
        return 0
    report["gpu"] = torch.cuda.get_device_name(0)
    model = model.cuda()
    rows = []
    for batch in batches:
        row = {"batch": batch}
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        row["fp32"] = images_per_second(model, batch, "cuda", args.seconds, from_host=False)
        row["fp32FromHost"] = images_per_second(model, batch, "cuda", args.seconds, from_host=True)
        torch.backends.cudnn.allow_tf32 = True
        row["defaultTf32"] = images_per_second(model, batch, "cuda", args.seconds, from_host=False)
        rows.append(row)
        print(json.dumps(row), flush=True)
        report["anchor"] = rows
        save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
