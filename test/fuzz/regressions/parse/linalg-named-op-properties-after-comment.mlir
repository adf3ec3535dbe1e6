func.func @f() {
  linalg.max // a comment
  <3>
  return
}
