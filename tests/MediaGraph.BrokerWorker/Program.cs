// A worker of samples/distributed for the broker tests: chunks in, results out, until killed or stdin closes. Its work
// is MeanLumaNode, not the sample's OCR detector (see MeanLumaNode for why).
//   dotnet MediaGraph.BrokerWorker.dll ENGINE SERVERS WORK_TOPIC RESULTS_TOPIC NAME REDELIVER_SECONDS
// Prints "ready" once consuming, then "chunks N" each time it finished (published and acknowledged) a chunk.
using MediaGraph.BrokerWorker;
using MediaGraph.Brokers;
using MediaGraph.Samples.Distributed;
using Microsoft.Extensions.Logging.Abstractions;

if (args.Length != 6)
{
    Console.Error.WriteLine("usage: MediaGraph.BrokerWorker ENGINE SERVERS WORK_TOPIC RESULTS_TOPIC NAME REDELIVER_SECONDS");
    return 2;
}
using var stop = new CancellationTokenSource();
_ = Task.Run(() => { Console.In.ReadToEnd(); stop.Cancel(); }); // the test closes stdin to stop a worker cleanly
await using var broker = Engines.Open(args[0], args[1], NullLogger.Instance, TimeSpan.FromSeconds(double.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture)));
var worker = new ChunkWorker(broker, new ChunkWorkerOptions { WorkTopic = args[2], ResultsTopic = args[3], Name = args[4] }, MeanLumaNode.Work);
var run = worker.RunAsync(stop.Token);
Console.WriteLine("ready");
long reported = 0;
while (!run.IsCompleted)
{
    await Task.WhenAny(run, Task.Delay(20));
    if (worker.Chunks != reported) Console.WriteLine($"chunks {reported = worker.Chunks}");
}
await run;
return 0;
