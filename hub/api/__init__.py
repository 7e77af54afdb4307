"""The gRPC edge: servicers, conversion from and to protobuf, interceptors, the server."""
