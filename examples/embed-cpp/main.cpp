// SPDX-License-Identifier: Apache-2.0
// A C++ application embedding libkiln_runtime: it loads a training step that kiln-compile
// built, sets every input up as the program's signature says, and runs the step in its own
// loop.
#include <kiln/runtime/Runtime.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace kiln::rt;

static int die(const Status &status) {
  std::fprintf(stderr, "embed-train: %s\n", status.toString().c_str());
  return EXIT_FAILURE;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: embed-train libadam.so [steps]\n");
    return EXIT_FAILURE;
  }
  int steps = argc > 2 ? std::atoi(argv[2]) : 100;

  auto runtime = Runtime::create();
  if (!runtime.ok())
    return die(runtime.status());
  auto module = (*runtime)->loadModule(argv[1]);
  if (!module.ok())
    return die(module.status());
  // Look the entry up once and keep the handle; calls are then cheap.
  auto fn = module->lookup("train_step");
  if (!fn.ok())
    return die(fn.status());
  const Function &step = **fn;

  // Parameters, targets and optimizer state live in the application's own tensors, set up as
  // the signature says (each input's "init"). The step updates the donated ones in place, so
  // the loop just calls it again.
  auto inputs = initializeInputs(step, /*seed=*/42);
  if (!inputs.ok())
    return die(inputs.status());
  std::vector<TensorView> inputViews = viewsOf(*inputs);
  // One caller-owned buffer per result that is not computed in place: here, the loss.
  auto outputs = allocateOutputs(step);
  if (!outputs.ok())
    return die(outputs.status());
  std::vector<TensorView> outputViews = viewsOf(*outputs);
  if (outputs->empty() || outputs->back().dtype() != DType::F32 || outputs->back().numel() != 1) {
    std::fprintf(stderr, "embed-train: expected the step to return a scalar f32 loss last\n");
    return EXIT_FAILURE;
  }
  const float *loss = outputs->back().data<float>();
  // Inputs are found by the names the program gave them.
  auto w1 = step.inputIndex("w1");
  if (!w1.ok())
    return die(w1.status());
  const float *w1First = (*inputs)[*w1].data<float>();
  float w1Before = *w1First;

  auto session = Session::create(**runtime, *module);
  if (!session.ok())
    return die(session.status());
  float first = 0;
  for (int t = 1; t <= steps; ++t) {
    if (Status s = session->call(step, inputViews, outputViews); !s.ok())
      return die(s);
    if (t == 1)
      first = *loss;
    if (t % 10 == 0 || t == 1)
      std::printf("step %3d/%d  loss %.6g\n", t, steps, *loss);
  }
  std::printf("loss %s from %.6g to %.6g\n", *loss < first ? "decreased" : "did not decrease",
              first, *loss);
  std::printf("w1[0] moved from %.6g to %.6g\n", w1Before, *w1First);
  return *loss < first ? EXIT_SUCCESS : EXIT_FAILURE;
}
