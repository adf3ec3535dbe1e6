// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of the kiln dialect's argument and module attributes (kiln.init, kiln.data, kiln.searched_alphas).

/// Entry-point arguments may say how drivers initialise them.
// CHECK-LABEL: func.func @init_attributes
// CHECK-SAME:    {kiln.init = "normal:0.05"}
// CHECK-SAME:    {kiln.init = "zeros"}
// CHECK-SAME:    {kiln.init = "fill:-2.5"}
func.func @init_attributes(%w: tensor<4xf32> {kiln.init = "normal:0.05"},
                           %m: tensor<4xf32> {kiln.init = "zeros"},
                           %c: tensor<4xf32> {kiln.init = "fill:-2.5"}) -> tensor<4xf32> {
  return %w : tensor<4xf32>
}

// -----

// expected-error @+1 {{argument #0: 'kiln.init' must be a string: zeros, ones, fill:V, normal[:STDDEV] or uniform[:BOUND], not "gaussian"}}
func.func @bad_init(%p: tensor<4xf32> {kiln.init = "gaussian"}) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}

// -----

// expected-error @+1 {{argument #0: 'kiln.init' must be a string: zeros, ones, fill:V, normal[:STDDEV] or uniform[:BOUND], not "normal:-1"}}
func.func @negative_stddev(%p: tensor<4xf32> {kiln.init = "normal:-1"}) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}

// -----

// expected-error @+1 {{unknown kiln argument attribute 'kiln.initial'}}
func.func @unknown_arg_attr(%p: tensor<4xf32> {kiln.initial = "zeros"}) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}

// -----

func.func @data_field(%x: tensor<4xf32> {kiln.data = "pixels"}) -> tensor<4xf32> {
  // expected-error @-1 {{argument #0: 'kiln.data' must be "images", "labels", "val_images", "val_labels" or "weights", not "pixels"}}
  return %x : tensor<4xf32>
}
