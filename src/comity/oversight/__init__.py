"""Oversight: the console for oversight bodies, redress matters, retention and disposal, protected persons."""
