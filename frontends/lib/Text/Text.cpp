// SPDX-License-Identifier: Apache-2.0
// Loading kiln programs from text, with located diagnostics.
#include "kiln/Frontends/Text.h"
#include "kiln/IR/KilnDialect.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/AsmParser/AsmParserState.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"

#include <optional>
#include <vector>

using namespace mlir;

namespace {

/// Names each argument of a function with a body after its SSA name in the source (`%w1`
/// is "w1"), as `kiln.name`, unless it has one or its name is a number: MLIR keeps no SSA
/// names, and the runtime reports, checkpoints and binds arguments by these.
void nameArguments(ModuleOp module, const AsmParserState &state) {
  MLIRContext *context = module.getContext();
  module.walk([&](func::FuncOp func) {
    if (func.isExternal())
      return;
    const AsmParserState::BlockDefinition *def = state.getBlockDef(&func.front());
    if (!def || def->arguments.size() != func.getNumArguments())
      return;
    for (auto [i, arg] : llvm::enumerate(def->arguments)) {
      StringRef text(arg.loc.Start.getPointer(),
                     arg.loc.End.getPointer() - arg.loc.Start.getPointer());
      if (!text.consume_front("%") || text.empty() ||
          llvm::all_of(text, [](char c) { return llvm::isDigit(c); }) ||
          func.getArgAttr(i, kiln::KilnDialect::kNameAttrName))
        continue;
      func.setArgAttr(i, kiln::KilnDialect::kNameAttrName, StringAttr::get(context, text));
    }
  });
}

bool isIdentifierChar(char c) { return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$'; }

/// The first offset from `i` that is not between tokens for MLIR's lexer: whitespace, a NUL
/// byte inside the buffer (which it skips as whitespace) or a `//` comment.
size_t skipTrivia(StringRef text, size_t i) {
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0') {
      ++i;
    } else if (text.substr(i).starts_with("//")) {
      i = text.find('\n', i);
      if (i == StringRef::npos)
        return text.size();
    } else {
      break;
    }
  }
  return i;
}

} // namespace

/// The offset of the first `linalg.<op><` whose `<` does not open a dictionary, or npos.
/// MLIR 22's parser of linalg's named ops (linalg.max, linalg.add, ...) takes any attribute
/// between `<` and `>` as the op's properties and reads it as a dictionary unchecked, so
/// `linalg.max<3>` reads uninitialised memory and crashes the process (found by fuzzing,
/// test/fuzz/regressions/parse). Kiln cannot fix the parser; it refuses the text first. The
/// scan skips comments and string literals, and looks past what the lexer skips between the
/// name and `<` (whitespace, NUL bytes, comments); the printers never write this form.
size_t kiln::findParserHazard(StringRef text) {
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '/' && text.substr(i).starts_with("//")) {
      i = text.find('\n', i);
      if (i == StringRef::npos)
        return StringRef::npos;
      continue;
    }
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      continue;
    }
    // An op name, not part of an identifier or a value, symbol, attribute or type name.
    if (!text.substr(i).starts_with("linalg.") ||
        (i > 0 && (isIdentifierChar(text[i - 1]) || StringRef("%@#!^").contains(text[i - 1]))))
      continue;
    size_t at = i, j = i + 7;
    while (j < text.size() && isIdentifierChar(text[j]))
      ++j;
    size_t k = skipTrivia(text, j);
    if (k < text.size() && text[k] == '<') {
      size_t l = skipTrivia(text, k + 1);
      if (l >= text.size() || text[l] != '{')
        return at;
    }
    i = j - 1;
  }
  return StringRef::npos;
}

OwningOpRef<ModuleOp> kiln::loadTextProgram(StringRef path, MLIRContext &context,
                                            llvm::SourceMgr &sourceMgr) {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = openInputFile(path, &error);
  if (!buffer) {
    emitError(UnknownLoc::get(&context)) << error;
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  return parseTextProgram(sourceMgr, context);
}

OwningOpRef<ModuleOp> kiln::parseTextProgram(llvm::SourceMgr &sourceMgr, MLIRContext &context) {
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef name = buffer->getBufferIdentifier();
  Location fileLoc = FileLineColLoc::get(&context, name, 0, 0);
  StringRef text = buffer->getBuffer();
  if (size_t at = findParserHazard(text); at != StringRef::npos) {
    auto [line, column] = sourceMgr.getLineAndColumn(llvm::SMLoc::getFromPointer(text.data() + at));
    emitError(FileLineColLoc::get(&context, name, line, column))
        << "a linalg op's `<...>` must hold a dictionary of its properties (`<{...}>`)";
    return nullptr;
  }
  // The parser verifies what it parses, so verifier errors carry source locations too; its
  // state keeps the SSA names the arguments were written with.
  Block block;
  AsmParserState state;
  if (failed(parseAsmSourceFile(sourceMgr, &block, ParserConfig(&context), &state)))
    return nullptr;
  OwningOpRef<ModuleOp> module =
      mlir::detail::constructContainerOpForParserIfNecessary<ModuleOp>(&block, &context,
                                                                        fileLoc);
  if (module)
    nameArguments(*module, state);
  return module;
}

//===-- Diagnostics -------------------------------------------------------------------------===//

namespace {

/// The first file location inside `loc` (call sites, fused and named locations nest them).
std::optional<FileLineColLoc> fileLocation(Location loc) {
  std::optional<FileLineColLoc> found;
  loc->walk([&](Location inner) {
    if (auto file = dyn_cast<FileLineColLoc>(inner)) {
      found = file;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

} // namespace

kiln::ProgramDiagnostics::ProgramDiagnostics(llvm::SourceMgr &sourceMgr, MLIRContext &context,
                                             llvm::raw_ostream &os)
    : sourceMgr(sourceMgr), context(context), os(os) {
  handler = context.getDiagEngine().registerHandler([this](Diagnostic &d) {
    StringRef severity = d.getSeverity() == DiagnosticSeverity::Error     ? "error"
                         : d.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                         : d.getSeverity() == DiagnosticSeverity::Remark  ? "remark"
                                                                          : "note";
    print(d, severity);
    for (Diagnostic &note : d.getNotes())
      print(note, "note");
    return success();
  });
}

kiln::ProgramDiagnostics::~ProgramDiagnostics() {
  context.getDiagEngine().eraseHandler(handler);
}

std::string kiln::ProgramDiagnostics::excerpt(StringRef line, unsigned column, unsigned &caret,
                                              unsigned width) {
  // Escaped text, and where each byte of the line starts in it.
  std::string text;
  std::vector<size_t> starts;
  for (size_t i = 0; i < line.size();) {
    starts.push_back(text.size());
    unsigned char c = line[i];
    unsigned length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    bool utf8 = length > 1 && i + length <= line.size() &&
                llvm::all_of(line.substr(i + 1, length - 1),
                             [](char b) { return (static_cast<unsigned char>(b) & 0xC0) == 0x80; });
    if (utf8) {
      text += line.substr(i, length).str();
      for (unsigned k = 1; k < length; ++k)
        starts.push_back(text.size());
      i += length;
    } else if (c == '\t') {
      text += ' ';
      ++i;
    } else if (c < 0x20 || c >= 0x7F) {
      text += llvm::formatv("\\x{0:x-2}", unsigned(c)).str();
      ++i;
    } else {
      text += static_cast<char>(c);
      ++i;
    }
  }
  starts.push_back(text.size());
  size_t at = starts[std::min<size_t>(column ? column - 1 : 0, starts.size() - 1)];
  // Columns count bytes of text here, close enough to display columns for a window.
  size_t begin = at > width / 2 ? at - width / 2 : 0;
  size_t end = std::min(text.size(), begin + width);
  std::string window = (begin > 0 ? "..." : "") + text.substr(begin, end - begin) +
                       (end < text.size() ? "..." : "");
  caret = static_cast<unsigned>(at - begin + (begin > 0 ? 3 : 0));
  return window;
}

void kiln::ProgramDiagnostics::print(Diagnostic &d, StringRef severity) {
  std::optional<FileLineColLoc> loc = fileLocation(d.getLocation());
  if (loc)
    os << loc->getFilename().getValue() << ":" << loc->getLine() << ":" << loc->getColumn()
       << ": ";
  // A message may quote the program (a token, an attribute): escaped and bounded too.
  unsigned unused = 0;
  std::string message = d.str();
  os << severity << ": " << excerpt(message, 1, unused, 400) << "\n";
  if (!loc)
    return;
  // The line of the location, when its file is the program being read.
  for (unsigned id = 1; id <= sourceMgr.getNumBuffers(); ++id) {
    const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(id);
    if (buffer->getBufferIdentifier() != loc->getFilename().getValue())
      continue;
    SMLoc start = sourceMgr.FindLocForLineAndColumn(id, loc->getLine(), 1);
    if (!start.isValid())
      return;
    StringRef rest(start.getPointer(), buffer->getBufferEnd() - start.getPointer());
    StringRef line = rest.take_until([](char c) { return c == '\n' || c == '\r'; });
    unsigned caret = 0;
    os << excerpt(line, loc->getColumn(), caret) << "\n" << std::string(caret, ' ') << "^\n";
    return;
  }
}
