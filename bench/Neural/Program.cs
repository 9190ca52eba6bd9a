// In-process neural timings through SwarmCluster.Fann, answering the same line protocol as bench/c/fann_loop.c:
//   fwd   <layers,csv> <hiddenAct> <outputAct> <batch> <passes> <single|batch|raw|managed>
//   train <layers,csv> <hiddenAct> <outputAct> <algorithm> <samples> <epochs>
//   blob  <layers,csv> <hiddenAct> <outputAct> <count>   (what swarm_init pays: create + save to bytes)
//   info | quit
// "single" and "batch" are the product's path (NeuralNetwork.Run / RunBatch: the managed SIMD forward pass for these
// networks); before timing, "single" checks every row against fann_run on a copy of the network. "raw" (diagnostic)
// calls fann_run by direct P/Invoke on that copy, without the binding's checks.
using System.Diagnostics;
using System.Globalization;
using SwarmCluster.Bench.Neural;
using SwarmCluster.Fann;

var inv = CultureInfo.InvariantCulture;
string? line;
while ((line = Console.ReadLine()) is not null)
{
    var a = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (a.Length == 0) continue;
    try
    {
        switch (a[0])
        {
            case "quit": return;
            case "info":
                Reply($"{{\"op\":\"info\",\"available\":{(FannLibrary.IsAvailable ? "true" : "false")},\"version\":\"{FannLibrary.Version}\",\"path\":\"{FannLibrary.LoadedPath}\",\"reason\":\"{Esc(FannLibrary.UnavailableReason)}\"}}");
                break;
            case "fwd" when a.Length == 7:
                Reply(Forward(Layers(a[1]), Act(a[2]), Act(a[3]), int.Parse(a[4], inv), int.Parse(a[5], inv), a[6]));
                break;
            case "blob" when a.Length == 5:
                Reply(Blob(Layers(a[1]), Act(a[2]), Act(a[3]), int.Parse(a[4], inv)));
                break;
            case "train" when a.Length == 7:
                Reply(Train(Layers(a[1]), Act(a[2]), Act(a[3]), (TrainingAlgorithm)int.Parse(a[4], inv), int.Parse(a[5], inv), int.Parse(a[6], inv)));
                break;
            default:
                Reply("{\"error\":\"bad command\"}");
                break;
        }
    }
    catch (Exception e)
    {
        Reply($"{{\"error\":\"{Esc(e.GetType().Name + ": " + e.Message)}\"}}");
    }
}

static void Reply(string json) { Console.Out.WriteLine(json); Console.Out.Flush(); }
static string Esc(string? s) => (s ?? "").Replace("\\", "\\\\").Replace("\"", "\\\"");
static int[] Layers(string csv) => csv.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
static ActivationFunction Act(string s) => (ActivationFunction)int.Parse(s, CultureInfo.InvariantCulture);

static NeuralNetwork Make(int[] layers, ActivationFunction hidden, ActivationFunction output)
{
    var net = NeuralNetwork.CreateStandard(layers);
    net.HiddenActivation = hidden;
    net.OutputActivation = output;
    net.SetWeights(Data.Weights(net.ConnectionCount));
    return net;
}

static string Forward(int[] layers, ActivationFunction hidden, ActivationFunction output, int batch, int passes, string mode)
{
    using var net = Make(layers, hidden, output);
    var inputs = Data.Inputs(batch, net.InputCount);
    var outBuf = new float[net.OutputCount];
    double checksum = 0, maxDiff = 0;
    string path = mode == "raw" ? "fann_run" : "managed";
    long t0;
    switch (mode)
    {
        case "single":
            using (var reference = RawFann.Load(net))
            {
                for (int i = 0; i < batch; i++)
                {
                    net.Run(inputs[i], outBuf);
                    var expected = reference.RunAll(inputs[i]);
                    for (int k = 0; k < outBuf.Length; k++) maxDiff = Math.Max(maxDiff, Math.Abs(outBuf[k] - expected[k]));
                }
            }
            t0 = Stopwatch.GetTimestamp();
            for (int p = 0; p < passes; p++)
            {
                net.Run(inputs[p % batch], outBuf);
                checksum += outBuf[p % outBuf.Length];
            }
            break;
        case "batch":
            passes = Math.Max(1, passes / batch) * batch;
            t0 = Stopwatch.GetTimestamp();
            for (int done = 0; done < passes; done += batch)
            {
                var rows = net.RunBatch(inputs);
                checksum += rows[done / batch % batch][0];
            }
            break;
        case "raw":
            using (var raw = RawFann.Load(net))
            {
                t0 = Stopwatch.GetTimestamp();
                for (int p = 0; p < passes; p++)
                    checksum += raw.Run(inputs[p % batch], p % outBuf.Length);
            }
            break;
        default:
            return "{\"error\":\"unknown mode\"}";
    }
    double ns = Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
    if (mode != "raw" && !net.UsesManagedForward) path = "fann_run";
    return string.Create(CultureInfo.InvariantCulture,
        $"{{\"op\":\"fwd\",\"mode\":\"{mode}\",\"passes\":{passes},\"ns\":{ns:F0},\"checksum\":{checksum:F6},\"maxAbsDiffVsFann\":{maxDiff:E3},\"path\":\"{path}\"}}");
}

static string Blob(int[] layers, ActivationFunction hidden, ActivationFunction output, int count)
{
    double createNs = 0, saveNs = 0;
    int bytes = 0, connections = 0;
    for (int i = 0; i < count; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        using var net = Make(layers, hidden, output);
        long t1 = Stopwatch.GetTimestamp();
        bytes = net.ToBytes().Length;
        long t2 = Stopwatch.GetTimestamp();
        createNs += Stopwatch.GetElapsedTime(t0, t1).TotalNanoseconds;
        saveNs += Stopwatch.GetElapsedTime(t1, t2).TotalNanoseconds;
        connections = net.ConnectionCount;
    }
    return string.Create(CultureInfo.InvariantCulture,
        $"{{\"op\":\"blob\",\"count\":{count},\"createNs\":{createNs / count:F0},\"toBytesNs\":{saveNs / count:F0},\"bytes\":{bytes},\"connections\":{connections}}}");
}

static string Train(int[] layers, ActivationFunction hidden, ActivationFunction output, TrainingAlgorithm algorithm, int samples, int epochs)
{
    using var net = Make(layers, hidden, output);
    net.TrainingAlgorithm = algorithm;
    using var data = TrainingData.FromArrays(Data.Inputs(samples, net.InputCount), Data.Targets(samples, net.OutputCount));
    long t0 = Stopwatch.GetTimestamp();
    var report = net.Train(data, epochs);
    double ns = Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
    return string.Create(CultureInfo.InvariantCulture,
        $"{{\"op\":\"train\",\"epochs\":{report.Epochs},\"ns\":{ns:F0},\"mse\":{report.FinalMse:F6}}}");
}
