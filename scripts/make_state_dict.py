"""Writes tests/data/lenet_state_dict.safetensors: the golden LeNet parameters saved by PyTorch's
own `safetensors.torch.save_file(net.state_dict())`, to test that PyTorch-written files load.

Needs torch and safetensors (e.g. /work/venv/bin/python scripts/make_state_dict.py).
"""
import os
import torch
from safetensors.torch import load_file, save_file

here = os.path.join(os.path.dirname(__file__), "..", "tests", "data")
g = load_file(os.path.join(here, "lenet_step.safetensors"))


class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 6, 5)
        self.pool = torch.nn.MaxPool2d(2, 2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(16 * 5 * 5, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)


net = LeNet()
net.load_state_dict({k[len("param."):]: v for k, v in g.items() if k.startswith("param.")})
save_file(net.state_dict(), os.path.join(here, "lenet_state_dict.safetensors"))
print("wrote", sorted(net.state_dict().keys()))
