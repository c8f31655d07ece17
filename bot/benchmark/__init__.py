"""Latency, throughput, memory, start-up and training-time figures of the real servers (`bot bench`)."""
