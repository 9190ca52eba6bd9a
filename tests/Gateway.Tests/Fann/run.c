/* Loads a .net file with libfann's own reader and prints fann_run's outputs for each input line.
   Usage: run NET INPUTS, where INPUTS holds "count size" and then count lines of size numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <floatfann.h>

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: run NET INPUTS\n"); return 2; }
    struct fann *ann = fann_create_from_file(argv[1]);
    if (!ann) { fprintf(stderr, "fann_create_from_file failed\n"); return 3; }
    FILE *in = fopen(argv[2], "r");
    unsigned count, size;
    if (!in || fscanf(in, "%u %u", &count, &size) != 2 || size != fann_get_num_input(ann)) { fprintf(stderr, "bad inputs\n"); return 4; }
    fann_type *input = malloc(sizeof(fann_type) * size);
    for (unsigned c = 0; c < count; c++) {
        for (unsigned i = 0; i < size; i++)
            if (fscanf(in, "%f", &input[i]) != 1) { fprintf(stderr, "short input\n"); return 5; }
        fann_type *out = fann_run(ann, input);
        for (unsigned o = 0; o < fann_get_num_output(ann); o++)
            printf(o ? " %.9g" : "%.9g", out[o]);
        printf("\n");
    }
    free(input);
    fclose(in);
    fann_destroy(ann);
    return 0;
}
