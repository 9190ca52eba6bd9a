/* Trains a network in C and saves it with fann_save: output HOT is 1 and every other output 0 for any input.
   Usage: train OUT.net HOT OUTPUTS [HIDDEN] — layers [128, 64, 32, OUTPUTS], or [128, HIDDEN, OUTPUTS]. */
#include <stdio.h>
#include <stdlib.h>
#include <floatfann.h>

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: train OUT HOT OUTPUTS [HIDDEN]\n"); return 2; }
    unsigned hot = (unsigned)atoi(argv[2]), outputs = (unsigned)atoi(argv[3]);
    struct fann *ann = argc > 4 ? fann_create_standard(3, 128, (unsigned)atoi(argv[4]), outputs)
                                : fann_create_standard(4, 128, 64, 32, outputs);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    struct fann_train_data *data = fann_create_train(32, 128, outputs);
    srand(7);
    for (unsigned p = 0; p < 32; p++) {
        for (unsigned i = 0; i < 128; i++) data->input[p][i] = (fann_type)(rand() % 1000) / 1000.0f;
        for (unsigned o = 0; o < outputs; o++) data->output[p][o] = o == hot ? 1.0f : 0.0f;
    }
    fann_train_on_data(ann, data, 200, 0, 0.0001f);
    int failed = fann_save(ann, argv[1]);
    fann_destroy_train(data);
    fann_destroy(ann);
    return failed ? 3 : 0;
}
