/* Calls a function compiled ahead of time by hybrid-compile. Valid C and C++.
 *
 *   hybrid-compile examples/aot/layer.mlir --emit=shared-lib -o liblayer.so
 *   cc examples/aot/main.c -o layer-demo -L. -llayer -lm -Wl,-rpath,.
 *   c++ -x c++ examples/aot/main.c -o layer-demo ...     (the same, as C++)
 *   ./layer-demo [DIR]     # DIR: also write x, wq, norm, out as .npy files
 *
 * Every public function is exported as _mlir_ciface_NAME(inputs..., outputs...)
 * where each argument points to a memref descriptor: the buffer (twice:
 * allocated and aligned), an offset, then the sizes and row-major strides.
 * The caller owns every buffer, outputs included. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MEMREF(RANK)                                                           \
  struct {                                                                     \
    float *allocated, *aligned;                                                \
    int64_t offset, sizes[RANK], strides[RANK];                                \
  }
typedef MEMREF(1) MemRef1;
typedef MEMREF(2) MemRef2;
typedef MEMREF(3) MemRef3;

#ifdef __cplusplus
extern "C"
#endif
void _mlir_ciface_layer(MemRef3 *x, MemRef2 *wq, MemRef1 *norm, MemRef3 *out);

/* A float32 .npy file (format 1.0), for checking against hybrid-run. */
static int write_npy(const char *dir, const char *name, const float *data,
                     const int64_t *shape, int rank) {
  char path[512], header[128], dims[64] = "";
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    char dim[24];
    snprintf(dim, sizeof dim, d + 1 < rank ? "%lld, " : "%lld,", (long long)shape[d]);
    strcat(dims, dim);
    count *= shape[d];
  }
  int length = snprintf(header, sizeof header,
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", dims);
  while ((10 + length + 1) % 64 != 0)
    header[length++] = ' ';
  header[length++] = '\n';
  snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f)
    return 1;
  unsigned char preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                (unsigned char)(length & 0xff), (unsigned char)(length >> 8)};
  fwrite(preamble, 1, 10, f);
  fwrite(header, 1, length, f);
  fwrite(data, sizeof(float), count, f);
  return fclose(f);
}

int main(int argc, char **argv) {
  static float x[8 * 16], wq[16 * 16], norm[16], out[8 * 16];
  for (int i = 0; i < 8 * 16; ++i)
    x[i] = sinf(0.37f * i);
  for (int i = 0; i < 16 * 16; ++i)
    wq[i] = 0.25f * cosf(0.11f * i);
  for (int i = 0; i < 16; ++i)
    norm[i] = 1.0f + 0.05f * i;

  MemRef3 xd = {x, x, 0, {1, 8, 16}, {128, 16, 1}};
  MemRef2 wd = {wq, wq, 0, {16, 16}, {16, 1}};
  MemRef1 nd = {norm, norm, 0, {16}, {1}};
  MemRef3 od = {out, out, 0, {1, 8, 16}, {128, 16, 1}};
  _mlir_ciface_layer(&xd, &wd, &nd, &od);

  printf("out[0, 0, 0:4] = %.5f %.5f %.5f %.5f\n", out[0], out[1], out[2], out[3]);
  if (argc > 1) {
    const int64_t s3[3] = {1, 8, 16}, s2[2] = {16, 16}, s1[1] = {16};
    if (write_npy(argv[1], "x", x, s3, 3) || write_npy(argv[1], "wq", wq, s2, 2) ||
        write_npy(argv[1], "norm", norm, s1, 1) || write_npy(argv[1], "out", out, s3, 3)) {
      fprintf(stderr, "cannot write .npy files to %s\n", argv[1]);
      return 1;
    }
  }
  return 0;
}
