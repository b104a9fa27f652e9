"""Automatic differentiation: GradientTape and custom gradients."""

from eagerflow.autodiff.tape import GradientTape, UnconnectedGradients
