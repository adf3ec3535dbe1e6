// SPDX-License-Identifier: Apache-2.0
// A C++ application training a compiled classifier on a dataset: libkiln_runtime_io loads
// the IDX files and its DataLoader feeds shuffled batches into the step's inputs; the loop,
// the evaluation and the printing are the application's own.
#include <kiln/runtime/IO.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace kiln::rt;

static int die(const Status &status) {
  std::fprintf(stderr, "embed-classify: %s\n", status.toString().c_str());
  return EXIT_FAILURE;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: embed-classify libmlp.so IDX_DIR [steps]\n");
    return EXIT_FAILURE;
  }
  const long steps = argc > 3 ? std::atol(argv[3]) : 1000;
  auto runtime = Runtime::create();
  if (!runtime.ok())
    return die(runtime.status());
  auto module = (*runtime)->loadModule(argv[1]);
  if (!module.ok())
    return die(module.status());
  auto trainFn = module->lookup("train_step");
  auto evalFn = module->lookup("eval_step");
  if (!trainFn.ok() || !evalFn.ok())
    return die(!trainFn.ok() ? trainFn.status() : evalFn.status());
  const Function &train = **trainFn, &eval = **evalFn;

  // The labels as the step takes them (i32 or i64), from the signature.
  auto labelsAt = train.inputIndex("y");
  DType labelType = labelsAt.ok() ? train.inputs()[*labelsAt].dtype : DType::I64;
  auto trainData = loadIdxDataset(argv[2], "train", labelType);
  auto testData = loadIdxDataset(argv[2], "t10k", labelType);
  if (!trainData.ok() || !testData.ok())
    return die(!trainData.ok() ? trainData.status() : testData.status());

  auto state = initializeInputs(train, /*seed=*/0);
  auto trainOut = allocateOutputs(train);
  auto loader = DataLoader::create(train, *trainData, /*seed=*/0);
  auto session = Session::create(**runtime, *module);
  for (const Status &s : {state.status(), trainOut.status(), loader.status(), session.status()})
    if (!s.ok())
      return die(s);
  std::vector<TensorView> views = viewsOf(*state), outViews = viewsOf(*trainOut);
  for (long t = 1; t <= steps; ++t) {
    if (Status s = loader->next(views); !s.ok())
      return die(s);
    if (Status s = session->call(train, views, outViews); !s.ok())
      return die(s);
    if (t % 200 == 0 || t == steps)
      std::printf("step %ld (epoch %lld)  loss %.4f\n", t, (long long)loader->epoch(),
                  trainOut->back().data<float>()[0]);
  }

  // @eval_step takes the same leading parameters, then its own batch: every whole batch of
  // the test set, in order.
  auto batch = findBatchInputs(eval, *testData);
  auto evalIn = initializeInputs(eval, 0);
  auto evalOut = allocateOutputs(eval);
  for (const Status &s : {batch.status(), evalIn.status(), evalOut.status()})
    if (!s.ok())
      return die(s);
  std::vector<TensorView> evalViews = viewsOf(*evalIn), evalOutViews = viewsOf(*evalOut);
  for (size_t i = 0; i < eval.inputs().size() && eval.inputs()[i].data.empty(); ++i)
    evalViews[i] = views[i];
  std::vector<int64_t> rows(testData->count);
  for (int64_t i = 0; i < testData->count; ++i)
    rows[i] = i;
  int64_t correct = 0, seen = 0;
  for (; seen + batch->size <= testData->count; seen += batch->size) {
    fillBatch(*testData, rows.data() + seen, *batch, evalViews[batch->images],
              evalViews[batch->labels]);
    if (Status s = session->call(eval, evalViews, evalOutViews); !s.ok())
      return die(s);
    correct += (*evalOut)[1].data<int64_t>()[0];
  }
  std::printf("test accuracy %.2f%% (%lld of %lld images)\n", 100.0 * correct / seen,
              (long long)correct, (long long)seen);
  return EXIT_SUCCESS;
}
