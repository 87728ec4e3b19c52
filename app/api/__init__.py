"""The JSON API: pydantic models in, engine calls, columnar JSON out."""
