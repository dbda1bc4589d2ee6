/* app._speedups: the hot loops of the ledger app in C (built by the image's build stage with
 * gcc -shared -fPIC $(python3-config --includes)). fnv1a64 must give what app.core.fnv1a64
 * gives; the tests check both on the same inputs. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static uint64_t fnv1a(const unsigned char *p, Py_ssize_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static PyObject *speedups_fnv1a64(PyObject *self, PyObject *arg) {
    Py_buffer view;
    uint64_t h;
    (void)self;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    h = fnv1a((const unsigned char *)view.buf, view.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLongLong((unsigned long long)h);
}

static PyObject *speedups_count_lines(PyObject *self, PyObject *arg) {
    Py_buffer view;
    Py_ssize_t lines = 0;
    (void)self;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *p = (const char *)view.buf;
    for (Py_ssize_t i = 0; i < view.len; i++)
        if (p[i] == '\n')
            lines++;
    if (view.len > 0 && p[view.len - 1] != '\n')
        lines++;
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(lines);
}

static PyMethodDef methods[] = {
    {"fnv1a64", speedups_fnv1a64, METH_O, "FNV-1a (64 bits) of a bytes-like object."},
    {"count_lines", speedups_count_lines, METH_O, "Lines in a bytes-like object."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "app._speedups", "Hot loops of the ledger app, in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
