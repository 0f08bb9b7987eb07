/* A bounded multi-source Dijkstra that stops once its targets are settled.
 *
 * The street gate of fusion asks, a few thousand times a minute, how far a sighting is
 * from one to a few tracks along the streets, within a bound of a few hundred metres.
 * scipy's dijkstra answers it, but each call validates the graph and allocates and fills
 * arrays over every node of the town (~1.5 MB for Jerusalem's 23,000 nodes): ~120 us a
 * call, and the caches it flushes slow the Python that runs after it as much again. This
 * search touches only the nodes it settles: the caller owns a distance array of +inf over
 * every node and a mark array of zeros, which the search restores before it returns.
 *
 * Distances are the same floats scipy's give: a node's distance is the least of
 * (neighbour's distance + edge length) over its neighbours, whatever the order nodes are
 * settled in, because every length is positive. A node farther than `limit` is not
 * reached, as in scipy (a node at exactly `limit` is).
 *
 * The GIL is held throughout: the metric is shared between threads, and its scratch
 * arrays with it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    double key;
    int32_t node;
} Entry;

typedef struct {
    int32_t group; /* which target */
    int32_t next;  /* the node's next entry, or -1 */
} Member;

/* Grown as needed and kept between calls (the GIL guards them). */
static Entry *heap = NULL;
static Py_ssize_t heap_cap = 0;
static int32_t *touched = NULL;
static Py_ssize_t touched_cap = 0;

static int grow(void **buf, Py_ssize_t *cap, Py_ssize_t want, size_t size) {
    if (want <= *cap) {
        return 0;
    }
    Py_ssize_t cap2 = *cap ? *cap : 256;
    while (cap2 < want) {
        cap2 *= 2;
    }
    void *p = realloc(*buf, (size_t)cap2 * size);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = p;
    *cap = cap2;
    return 0;
}

static void sift_up(Entry *h, Py_ssize_t i) {
    Entry e = h[i];
    while (i > 0) {
        Py_ssize_t parent = (i - 1) >> 1;
        if (h[parent].key <= e.key) {
            break;
        }
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

static void sift_down(Entry *h, Py_ssize_t n, Py_ssize_t i) {
    Entry e = h[i];
    for (;;) {
        Py_ssize_t child = 2 * i + 1;
        if (child >= n) {
            break;
        }
        if (child + 1 < n && h[child + 1].key < h[child].key) {
            child++;
        }
        if (e.key <= h[child].key) {
            break;
        }
        h[i] = h[child];
        i = child;
    }
    h[i] = e;
}

/* Read a sequence of node ids into `out` (checked against n); -1 on error. */
static Py_ssize_t read_nodes(PyObject *seq, int32_t **out, Py_ssize_t *cap, Py_ssize_t at,
                             Py_ssize_t n) {
    PyObject *fast = PySequence_Fast(seq, "nodes must be a sequence of ints");
    if (fast == NULL) {
        return -1;
    }
    Py_ssize_t len = PySequence_Fast_GET_SIZE(fast);
    if (grow((void **)out, cap, at + len, sizeof(int32_t)) < 0) {
        Py_DECREF(fast);
        return -1;
    }
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t k = 0; k < len; k++) {
        long v = PyLong_AsLong(items[k]);
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
        if (v < 0 || v >= n) {
            Py_DECREF(fast);
            PyErr_SetString(PyExc_IndexError, "node id out of range");
            return -1;
        }
        (*out)[at + k] = (int32_t)v;
    }
    Py_DECREF(fast);
    return len;
}

static int32_t *nodes_buf = NULL; /* sources, then every target's nodes */
static Py_ssize_t nodes_cap = 0;
static Member *members = NULL;
static Py_ssize_t members_cap = 0;

/* Set while a search fills or uses the buffers above. Reading the node ids may run Python
 * code (a target given as a generator, an id with __index__, a finalizer run by the
 * collector), and a search started from there would overwrite them: it is refused. */
static int searching = 0;

static PyObject *nearest(PyObject *self, PyObject *args) {
    Py_buffer indptr_b, indices_b, weights_b, dist_b, mark_b;
    PyObject *sources, *targets;
    double limit;
    if (!PyArg_ParseTuple(args, "y*y*y*w*w*OOd", &indptr_b, &indices_b, &weights_b, &dist_b,
                          &mark_b, &sources, &targets, &limit)) {
        return NULL;
    }
    PyObject *result = NULL;
    PyObject *fast_targets = NULL;
    if (searching) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the street search was started again while reading its own input");
        goto release;
    }
    searching = 1;
    Py_ssize_t n = dist_b.len / (Py_ssize_t)sizeof(double);
    const int32_t *indptr = (const int32_t *)indptr_b.buf;
    const int32_t *indices = (const int32_t *)indices_b.buf;
    const double *weights = (const double *)weights_b.buf;
    double *dist = (double *)dist_b.buf;
    int32_t *mark = (int32_t *)mark_b.buf;
    if (indptr_b.len != (n + 1) * (Py_ssize_t)sizeof(int32_t) ||
        mark_b.len != n * (Py_ssize_t)sizeof(int32_t) ||
        indices_b.len / (Py_ssize_t)sizeof(int32_t) != weights_b.len / (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "graph and scratch arrays disagree in size");
        goto done;
    }
    /* Read every node id before touching the scratch arrays, so an error leaves them as
     * they were. */
    Py_ssize_t n_sources = read_nodes(sources, &nodes_buf, &nodes_cap, 0, n);
    if (n_sources < 0) {
        goto done;
    }
    fast_targets = PySequence_Fast(targets, "targets must be a sequence of node sequences");
    if (fast_targets == NULL) {
        goto done;
    }
    Py_ssize_t n_groups = PySequence_Fast_GET_SIZE(fast_targets);
    Py_ssize_t total = n_sources, remaining = 0;
    for (Py_ssize_t g = 0; g < n_groups; g++) {
        /* A target may be any sequence: its length is the one read_nodes read. */
        Py_ssize_t len = read_nodes(PySequence_Fast_GET_ITEM(fast_targets, g), &nodes_buf,
                                    &nodes_cap, total, n);
        if (len < 0 ||
            grow((void **)&members, &members_cap, total - n_sources + len + 1,
                 sizeof(Member)) < 0) {
            goto done;
        }
        for (Py_ssize_t k = 0; k < len; k++) {
            members[total - n_sources + k].group = (int32_t)g;
        }
        remaining += len > 0;
        total += len;
    }
    /* No Python object is made until the scratch is restored: making one may run the
     * collector, and a finalizer could search again and reuse the buffers above. */
    double *found = (double *)PyMem_Malloc((size_t)(n_groups + 1) * sizeof(double));
    if (found == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t g = 0; g < n_groups; g++) {
        found[g] = INFINITY;
    }
    /* Each target node's groups, as a list threaded through `members` from mark[node]. */
    for (Py_ssize_t m = 0; m < total - n_sources; m++) {
        int32_t v = nodes_buf[n_sources + m];
        members[m].next = mark[v] - 1;
        mark[v] = (int32_t)(m + 1);
    }
    /* The search. */
    Py_ssize_t size = 0, n_touched = 0;
    int failed = 0;
    for (Py_ssize_t k = 0; k < n_sources && !failed; k++) {
        int32_t s = nodes_buf[k];
        if (dist[s] == 0.0) {
            continue;
        }
        if (grow((void **)&heap, &heap_cap, size + 1, sizeof(Entry)) < 0 ||
            grow((void **)&touched, &touched_cap, n_touched + 1, sizeof(int32_t)) < 0) {
            failed = 1;
            break;
        }
        dist[s] = 0.0;
        touched[n_touched++] = s;
        heap[size].key = 0.0;
        heap[size].node = s;
        sift_up(heap, size);
        size++;
    }
    while (size > 0 && remaining > 0 && !failed) {
        Entry top = heap[0];
        size--;
        if (size > 0) {
            heap[0] = heap[size];
            sift_down(heap, size, 0);
        }
        int32_t u = top.node;
        double d = top.key;
        if (d > dist[u]) {
            continue; /* a stale entry: u was settled nearer */
        }
        for (int32_t k = mark[u] - 1; k >= 0; k = members[k].next) {
            int32_t g = members[k].group;
            if (found[g] == INFINITY) {
                found[g] = d; /* the first of a target's nodes settled is its nearest */
                remaining--;
            }
        }
        if (remaining == 0) {
            break;
        }
        for (int32_t e = indptr[u]; e < indptr[u + 1]; e++) {
            int32_t v = indices[e];
            double nd = d + weights[e];
            if (nd <= limit && nd < dist[v]) {
                if (grow((void **)&heap, &heap_cap, size + 1, sizeof(Entry)) < 0) {
                    failed = 1;
                    break;
                }
                if (dist[v] == INFINITY) {
                    if (grow((void **)&touched, &touched_cap, n_touched + 1, sizeof(int32_t)) <
                        0) {
                        failed = 1;
                        break;
                    }
                    touched[n_touched++] = v;
                }
                dist[v] = nd;
                heap[size].key = nd;
                heap[size].node = v;
                sift_up(heap, size);
                size++;
            }
        }
    }
    /* Restore the scratch arrays. */
    for (Py_ssize_t k = 0; k < n_touched; k++) {
        dist[touched[k]] = INFINITY;
    }
    for (Py_ssize_t k = n_sources; k < total; k++) {
        mark[nodes_buf[k]] = 0;
    }
    if (failed) {
        PyMem_Free(found);
        goto done;
    }
    result = PyList_New(n_groups);
    if (result == NULL) {
        PyMem_Free(found);
        goto done;
    }
    for (Py_ssize_t g = 0; g < n_groups; g++) {
        PyObject *f = PyFloat_FromDouble(found[g]);
        if (f == NULL) {
            PyMem_Free(found);
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, g, f);
    }
    PyMem_Free(found);
done:
    Py_XDECREF(fast_targets);
    searching = 0;
release:
    PyBuffer_Release(&indptr_b);
    PyBuffer_Release(&indices_b);
    PyBuffer_Release(&weights_b);
    PyBuffer_Release(&dist_b);
    PyBuffer_Release(&mark_b);
    return result;
}

static PyMethodDef methods[] = {
    {"nearest", nearest, METH_VARARGS,
     "nearest(indptr, indices, weights, dist, mark, sources, targets, limit) -> list\n\n"
     "For each target (a sequence of node ids), the least distance from any source node to\n"
     "any of its nodes along the CSR graph (int32 indptr and indices, float64 weights), or\n"
     "inf beyond `limit`. `dist` (float64, +inf) and `mark` (int32, 0) are scratch arrays\n"
     "over every node, restored before return. Stops once every target is settled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_streets",
    "A bounded Dijkstra for fusion's street gate that stops at its targets.", -1, methods,
};

PyMODINIT_FUNC PyInit__streets(void) { return PyModule_Create(&module); }
