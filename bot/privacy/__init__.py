"""Personal data: a customer's copy of their data, erasure on request, retention periods, privacy audit."""
