#:project ../src/MediaGraph/MediaGraph.csproj
#:package Microsoft.ML.OnnxRuntime@1.31.1
// Reads the text in a video with PaddleOCR's PP-OCRv4 models (scripts/setup.sh fetches them): decode -> text
// detection -> crop, orientation, recognition, then prints each frame's lines in reading order and writes one JSON
// object per frame to OUTPUT.jsonl. The app brings ONNX Runtime's native package (here the CPU one; reference
// Microsoft.ML.OnnxRuntime.Gpu instead for CUDA).
//
//   dotnet run samples/read-text.cs -- INPUT OUTPUT.jsonl

using MediaGraph;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run samples/read-text.cs -- INPUT OUTPUT.jsonl");
    return 2;
}

await using var ocr = OcrModels.Open();                      // loaded once, at the graph's validation; shared
var graph = new Graph();
var text = graph.Decode(args[0]).Video.ReadText(ocr);
graph.WriteJsonLines(args[1], text);                         // a stream may feed several nodes (no copy)
var sink = graph.Sink(text);
var run = graph.RunAsync();
await foreach (var frame in sink.ReadAllAsync())
    using (frame)
        if (frame.Metadata.TryGet<TextLines>(out var lines) && lines.Lines.Count > 0)
            Console.WriteLine($"{frame.PtsSeconds,8:0.00}s  {string.Join("  |  ", lines.Lines.Select(l => $"{l.Text} ({l.Confidence:0.00})"))}");
var metrics = await run;
Console.Error.Write(metrics.Summary());
return 0;
