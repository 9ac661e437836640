"""An example application, staged by the hatch-startifact demo."""

GREETING = "hello from a staged artifact"
