"""Automatic differentiation: GradientTape and custom gradients."""

from eagerflow.autodiff.custom_gradient import custom_gradient
from eagerflow.autodiff.gradients import gradients
from eagerflow.autodiff.tape import GradientTape, UnconnectedGradients
