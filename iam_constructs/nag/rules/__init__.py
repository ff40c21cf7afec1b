"""One rule per module; each ``rule(resource, app)`` is a pure function of the synthesized app."""
