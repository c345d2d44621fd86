"""The int8 path: the trained network exported to ONNX and quantized for ONNX Runtime."""
