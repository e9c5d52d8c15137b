// ONNX's protobuf field numbers (onnx.proto, src/generated/onnx/onnx.proto), named once for the code that reads or
// writes ONNX bytes without the generated classes: the lean first read of the graph view (lean-reader.ts), the full
// reader's value_info split (reader.ts) and compare's extra graph outputs (src/compare/compare.ts). And the one rule
// for naming ONNX nodes that have no (or a repeated) name, which the full and the lean reader share.
// Enums, so that the bundler inlines the numbers.

/** Protobuf wire types. */
export const enum Wire { Varint = 0, I64 = 1, Len = 2, I32 = 5 }

/** A field's tag: field number and wire type in one varint. */
export function tagOf(field: number, wire: Wire): number {
  return field * 8 + wire;
}

export const enum ModelField { IrVersion = 1, ProducerName = 2, ProducerVersion = 3, Graph = 7, OpsetImport = 8, Functions = 25 }
export const enum OpsetField { Domain = 1, Version = 2 }
export const enum GraphField { Node = 1, Initializer = 5, Input = 11, Output = 12, ValueInfo = 13, SparseInitializer = 15 }
export const enum NodeField { Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5, Domain = 7 }
export const enum AttributeField {
  Name = 1, F = 2, I = 3, S = 4, T = 5, G = 6, Floats = 7, Ints = 8, Strings = 9, Tensors = 10, Graphs = 11, Type = 20,
}
/** AttributeProto.AttributeType values. */
export const enum AttributeType { Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5, Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10 }
export const enum TensorField { Dims = 1, DataType = 2, Name = 8 }
export const enum ValueInfoField { Name = 1, Type = 2 }
export const enum TypeField { TensorType = 1 }
export const enum TensorTypeField { ElemType = 1, Shape = 2 }
export const enum ShapeField { Dim = 1 }
export const enum DimField { Value = 1, Param = 2 }

/** The name a node without one gets: its op type and its index in the graph. */
export function unnamedNodeName(opType: string, index: number): string {
  return `${opType || 'node'}_${index}`;
}

/** The name a node gets when an earlier node already has its name. */
export function repeatedNodeName(name: string, index: number): string {
  return `${name}__${index}`;
}
