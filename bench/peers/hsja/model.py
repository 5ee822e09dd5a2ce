"""The shipped fashion-mnist-standard ONNX model as a torch module, read with python3-onnx.

The graph is Sub(mean), Div(std), Conv, Relu, MaxPool, Conv, Relu, MaxPool, Flatten, Gemm, Relu,
Gemm; this module rebuilds exactly that (and refuses any other graph), so the official HSJA code
attacks the same function as rsbench. check() compares its logits with onnxruntime's.
"""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

EXPECTED = ["Sub", "Div", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"]


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class OnnxNet(torch.nn.Module):
    def __init__(self, path):
        super().__init__()
        graph = onnx.load(path).graph
        ops = [n.op_type for n in graph.node]
        if ops != EXPECTED:
            raise ValueError(f"expected the graph {EXPECTED}, got {ops}")
        w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
        self.nodes = [(n.op_type, list(n.input), attrs(n)) for n in graph.node]
        self.w = w

    @torch.no_grad()
    def forward(self, x):
        w = self.w
        for op, inputs, a in self.nodes:
            if op == "Sub":
                x = x - w[inputs[1]]
            elif op == "Div":
                x = x / w[inputs[1]]
            elif op == "Conv":
                assert a.get("group", 1) == 1 and list(a.get("dilations", [1, 1])) == [1, 1]
                pads = a.get("pads", [0, 0, 0, 0])
                assert pads[0] == pads[2] and pads[1] == pads[3]
                x = F.conv2d(x, w[inputs[1]], w[inputs[2]], stride=tuple(a.get("strides", [1, 1])), padding=(pads[0], pads[1]))
            elif op == "Relu":
                x = torch.relu(x)
            elif op == "MaxPool":
                pads = a.get("pads", [0, 0, 0, 0])
                assert pads == [0, 0, 0, 0] and a.get("ceil_mode", 0) == 0
                x = F.max_pool2d(x, tuple(a["kernel_shape"]), stride=tuple(a.get("strides", a["kernel_shape"])))
            elif op == "Flatten":
                x = torch.flatten(x, a.get("axis", 1))
            elif op == "Gemm":
                assert a.get("transB", 0) == 1 and a.get("alpha", 1.0) == 1.0 and a.get("beta", 1.0) == 1.0
                x = x @ w[inputs[1]].T + w[inputs[2]]
        return x


class Predictor:
    """The `model.predict(images)` object the official hsja() expects: float64 numpy in, scores out.

    Images are cast to float32 (what rsbench's oracle sends the model); `queries` counts every image
    of every call except the first (the official code's own label query, outside the budget on both
    sides); `on_call(n)` is told each counted call's size before it is answered.
    """

    def __init__(self, net, on_call=None):
        self.net = net
        self.queries = 0
        self.calls = 0
        self.on_call = on_call

    def predict(self, images):
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        if self.calls > 0:
            if self.on_call is not None:
                self.on_call(len(images))
            self.queries += len(images)
        self.calls += 1
        return self.net(torch.from_numpy(images.astype(np.float32))).numpy()
