#!/usr/bin/env bash
# Regenerates src/onnx/proto/onnx_pb.ts from the vendored src/onnx/proto/onnx.proto.
#
# Needs protoc (Debian: `apt-get install protobuf-compiler`; checked with libprotoc 3.21.12) and
# the dev dependency @bufbuild/protoc-gen-es (its version is recorded in the generated header).
# The output is checked in, so building slm never needs protoc.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v protoc >/dev/null 2>&1; then
  echo "gen-onnx-proto: protoc not found (Debian/Ubuntu: apt-get install protobuf-compiler)" >&2
  exit 1
fi

protoc \
  --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es \
  --es_out=src/onnx/proto \
  --es_opt=target=ts,import_extension=js \
  --proto_path=src/onnx/proto \
  onnx.proto

echo "gen-onnx-proto: wrote src/onnx/proto/onnx_pb.ts"
