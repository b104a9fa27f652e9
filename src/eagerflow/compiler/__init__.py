"""The compiler: graph passes and code generation."""
