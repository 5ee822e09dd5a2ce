"""A tiny ONNX -> PyTorch converter for the ops of rsbench's shipped 28x28 CNNs.

Reads the graph and its weights with python3-onnx (onnx.numpy_helper) and evaluates it node by
node with torch.nn.functional. Supports exactly the ops these models use (Sub, Div, Conv, Relu,
MaxPool, Flatten, Gemm, plus Add/Mul/BatchNormalization/Reshape for safety); any other op raises
"expected one of ..., got OP". check_model.py verifies it against onnxruntime-node's logits.
"""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class OnnxNet(torch.nn.Module):
    SUPPORTED = ("Sub", "Div", "Add", "Mul", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "BatchNormalization", "Reshape")

    def __init__(self, path):
        super().__init__()
        model = onnx.load(path)
        graph = model.graph
        self.weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
        self.input_name = [i.name for i in graph.input if i.name not in self.weights][0]
        self.output_name = graph.output[0].name
        self.nodes = [(n.op_type, list(n.input), list(n.output), _attrs(n)) for n in graph.node]
        for op, _, _, _ in self.nodes:
            if op not in self.SUPPORTED:
                raise ValueError(f"unsupported ONNX op: expected one of {', '.join(self.SUPPORTED)}, got {op}")

    @torch.no_grad()
    def forward(self, x):
        env = dict(self.weights)
        env[self.input_name] = x
        for op, ins, outs, at in self.nodes:
            a = [env[i] if i else None for i in ins]
            if op == "Sub":
                y = a[0] - a[1]
            elif op == "Div":
                y = a[0] / a[1]
            elif op == "Add":
                y = a[0] + a[1]
            elif op == "Mul":
                y = a[0] * a[1]
            elif op == "Relu":
                y = F.relu(a[0])
            elif op == "Conv":
                pads = at.get("pads", [0, 0, 0, 0])
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    raise ValueError(f"Conv pads: expected symmetric pads, got {pads}")
                y = F.conv2d(a[0], a[1], a[2] if len(a) > 2 else None, stride=at.get("strides", [1, 1]),
                             padding=(pads[0], pads[1]), dilation=at.get("dilations", [1, 1]), groups=at.get("group", 1))
            elif op == "MaxPool":
                pads = at.get("pads", [0, 0, 0, 0])
                y = F.max_pool2d(a[0], at["kernel_shape"], stride=at.get("strides", at["kernel_shape"]),
                                 padding=(pads[0], pads[1]), ceil_mode=bool(at.get("ceil_mode", 0)))
            elif op == "Flatten":
                axis = at.get("axis", 1)
                y = a[0].reshape(int(np.prod(a[0].shape[:axis])), -1)
            elif op == "Reshape":
                y = a[0].reshape([int(v) for v in a[1].tolist()])
            elif op == "Gemm":
                A = a[0].t() if at.get("transA", 0) else a[0]
                B = a[1].t() if at.get("transB", 0) else a[1]
                y = at.get("alpha", 1.0) * (A @ B)
                if len(a) > 2 and a[2] is not None:
                    y = y + at.get("beta", 1.0) * a[2]
            elif op == "BatchNormalization":
                y = F.batch_norm(a[0], a[3], a[4], a[1], a[2], training=False, eps=at.get("epsilon", 1e-5))
            env[outs[0]] = y
        return env[self.output_name]
