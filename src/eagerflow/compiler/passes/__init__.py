"""Graph passes: each a function from graph to graph, one per file."""
