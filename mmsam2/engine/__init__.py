"""Runner-level components (hooks, loops, optimizer constructors)."""
