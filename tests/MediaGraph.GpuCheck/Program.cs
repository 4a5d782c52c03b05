// The GPU check (issue 17.5): the graph a lent GPU machine runs, and the same program CI runs on cuda-sim.
//
//   MediaGraph.GpuCheck --device cuda|cuda-sim --input CLIP [--scale WxH] [--compare N] [--libs DIR] [--out DIR]
//
// It runs decode (NVDEC with --device cuda; software + upload on cuda-sim) -> yadif -> scale -> tensorize -> download
// through the MediaGraph library on the device, the same graph on the CPU, and decode -> yadif -> scale -> h264_nvenc
// (NVENC from device frames where the GPU has it, else the counted download + libx264). It prints fps per stage, the
// host<->device bytes per node, the pixels of the device path compared with the CPU path (PSNR per plane) and the
// tensor compared with the CPU tensorizer's, and exits non-zero when a claim does not hold (see Verdict).
using System.Globalization;
using MediaGraph;
using MediaGraph.GpuCheck;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
try
{
    var options = CheckOptions.Parse(args);
    return await new GpuCheck(options).RunAsync();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"gpu-check: {e.Message}");
    Console.Error.WriteLine(CheckOptions.Usage);
    return 2;
}
catch (MediaGraphException e)
{
    Console.Error.WriteLine($"gpu-check: FAILED: {e.Message}");
    return 1;
}
