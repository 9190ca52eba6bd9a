/* Peer for the neural rows: libfann driven from C, no managed code in the way.
 * Reads commands on stdin, answers one JSON line each:
 *   fwd   <layers,csv> <hiddenAct> <outputAct> <batch> <passes>
 *   train <layers,csv> <hiddenAct> <outputAct> <algorithm> <samples> <epochs>
 *   quit
 * Inputs and targets come from bench_input()/bench_target(), the same formulas the .NET side uses. */
#include <fann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static float bench_input(unsigned i, unsigned j) { return (float)((i * 7919u + j * 104729u) % 1000u) / 1000.0f; }
static float bench_target(unsigned i, unsigned k, unsigned outputs) { return k == i % outputs ? 1.0f : 0.0f; }
/* Same weights on both sides (libfann's connection order), so both run the same arithmetic on the same values. */
static float bench_weight(unsigned i) { return (float)((i * 2654435761u) % 2001u) / 10000.0f - 0.1f; }

static unsigned parse_layers(const char *csv, unsigned *layers) {
    unsigned n = 0;
    char buf[256];
    strncpy(buf, csv, sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    for (char *tok = strtok(buf, ","); tok && n < 16; tok = strtok(NULL, ",")) layers[n++] = (unsigned)atoi(tok);
    return n;
}

static struct fann *make_net(const char *csv, int hidden, int output) {
    unsigned layers[16];
    unsigned n = parse_layers(csv, layers);
    if (n < 2) return NULL;
    for (unsigned i = 0; i < n; i++) if (layers[i] == 0) return NULL;
    struct fann *ann = fann_create_standard_array(n, layers);
    if (!ann) return NULL;
    fann_set_activation_function_hidden(ann, (enum fann_activationfunc_enum)hidden);
    fann_set_activation_function_output(ann, (enum fann_activationfunc_enum)output);
    for (unsigned i = 0; i < ann->total_connections; i++) ann->weights[i] = bench_weight(i);
    return ann;
}

static void cmd_fwd(const char *csv, int hidden, int output, unsigned batch, unsigned passes) {
    struct fann *ann = make_net(csv, hidden, output);
    if (!ann || batch == 0) { printf("{\"error\":\"bad network\"}\n"); return; }
    unsigned nin = fann_get_num_input(ann), nout = fann_get_num_output(ann);
    float *in = malloc(sizeof(float) * nin * batch);
    for (unsigned i = 0; i < batch; i++)
        for (unsigned j = 0; j < nin; j++) in[i * nin + j] = bench_input(i, j);
    double checksum = 0;
    double t0 = now_ns();
    for (unsigned p = 0; p < passes; p++) {
        float *out = fann_run(ann, in + (size_t)(p % batch) * nin);
        checksum += out[p % nout];
    }
    double ns = now_ns() - t0;
    printf("{\"op\":\"fwd\",\"passes\":%u,\"ns\":%.0f,\"checksum\":%.6f}\n", passes, ns, checksum);
    free(in);
    fann_destroy(ann);
}

static void cmd_train(const char *csv, int hidden, int output, int algorithm, unsigned samples, unsigned epochs) {
    struct fann *ann = make_net(csv, hidden, output);
    if (!ann || samples == 0) { printf("{\"error\":\"bad network\"}\n"); return; }
    fann_set_training_algorithm(ann, (enum fann_train_enum)algorithm);
    unsigned nin = fann_get_num_input(ann), nout = fann_get_num_output(ann);
    struct fann_train_data *data = fann_create_train(samples, nin, nout);
    for (unsigned i = 0; i < samples; i++) {
        for (unsigned j = 0; j < nin; j++) data->input[i][j] = bench_input(i, j);
        for (unsigned k = 0; k < nout; k++) data->output[i][k] = bench_target(i, k, nout);
    }
    float mse = 0;
    double t0 = now_ns();
    for (unsigned e = 0; e < epochs; e++) mse = fann_train_epoch(ann, data);
    double ns = now_ns() - t0;
    printf("{\"op\":\"train\",\"epochs\":%u,\"ns\":%.0f,\"mse\":%.6f}\n", epochs, ns, mse);
    fann_destroy_train(data);
    fann_destroy(ann);
}

int main(void) {
    fann_set_error_log(NULL, NULL);
    char line[512], op[16], csv[256];
    while (fgets(line, sizeof line, stdin)) {
        int hidden, output, algorithm;
        unsigned a, b;
        if (sscanf(line, "%15s", op) != 1) continue;
        if (strcmp(op, "quit") == 0) break;
        if (strcmp(op, "fwd") == 0 && sscanf(line, "%*s %255s %d %d %u %u", csv, &hidden, &output, &a, &b) == 5)
            cmd_fwd(csv, hidden, output, a, b);
        else if (strcmp(op, "train") == 0 && sscanf(line, "%*s %255s %d %d %d %u %u", csv, &hidden, &output, &algorithm, &a, &b) == 6)
            cmd_train(csv, hidden, output, algorithm, a, b);
        else
            printf("{\"error\":\"bad command\"}\n");
        fflush(stdout);
    }
    return 0;
}
