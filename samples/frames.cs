#:project ../src/MediaGraph/MediaGraph.csproj
// Reads decoded frames into the app: each frame is scaled to 224x224 RGB (the input of a typical image model)
// and handed over by an app sink that the app reads with await foreach. Prints the mean pixel value of every
// 25th frame, reading the plane row by row (rows are Pitch bytes apart and may be padded).
//
//   dotnet run samples/frames.cs -- testdata/cityCC0.mpg

using MediaGraph;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run samples/frames.cs -- INPUT");
    return 2;
}

var graph = new Graph();
var input = graph.Decode(args[0]);
var frames = graph.Sink(input.Video.Scale(224, 224, pixelFormat: "rgb24"));

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var run = graph.RunAsync(cancel.Token); // runs while we read; backpressure keeps the decoder at our pace
var count = 0;
await foreach (var frame in frames.ReadAllAsync(cancel.Token))
{
    using (frame) // we own each frame we read: disposing returns it to the pool
    {
        if (count++ % 25 != 0) continue;
        var plane = frame.GetPlane(0);           // packed RGB: one plane, 3 bytes a pixel
        var pixels = frame.GetPlaneSpan(0);      // rows with their padding: Pitch * (Rows - 1) + RowBytes bytes
        long sum = 0;
        for (var y = 0; y < plane.Rows; y++)
            foreach (var b in pixels.Slice(y * plane.Pitch, plane.RowBytes))
                sum += b;
        var mean = (double)sum / ((long)plane.RowBytes * plane.Rows);
        Console.WriteLine($"frame {count - 1,4}  pts {frame.PtsSeconds,7:0.000} s  {frame.Width}x{frame.Height} {frame.Format}  pitch {plane.Pitch}  mean {mean:0.00}");
    }
}
var metrics = await run;
Console.WriteLine($"{count} frames read");
Console.WriteLine(metrics.Summary());
return 0;
