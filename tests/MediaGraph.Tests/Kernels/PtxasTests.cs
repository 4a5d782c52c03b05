using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using MediaGraph.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Kernels;

/// <summary>
/// Every kernel (<see cref="KernelCatalog"/>) compiles to PTX with ILGPU's PTX backend for sm_90 (H100/H200) and
/// assembles to sm_90 machine code with NVIDIA's ptxas 11.8 (<c>ptxas -arch=sm_90 -v</c>), with no register spills: a construct that ILGPU's CPU
/// accelerator accepts but CUDA rejects fails here, on a machine without a GPU. The PTX ISA is 7.8, the newest that
/// ptxas 11.8 reads (ILGPU lets the backend choose it). ptxas comes from scripts/fetch-ptxas.sh (run by setup).
/// </summary>
public sealed class PtxasTests(ITestOutputHelper log)
{
    public static TheoryData<string> Kernels() => new(KernelCatalog.All.Select(k => k.Name));

    [Theory]
    [MemberData(nameof(Kernels))]
    public async Task Kernel_AssemblesForSm90WithPtxas118WithoutSpills(string name)
    {
        var ptxas = FindPtxas();
        var method = KernelCatalog.All.Single(k => k.Name == name).Method;
        using var context = Context.Create(b => b.Optimize(OptimizationLevel.O1));
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_78, nvvmAPI: null);
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization());
        var head = compiled.PTXAssembly[..Math.Min(400, compiled.PTXAssembly.Length)];
        // ILGPU writes the lowest .target that has every capability the kernel uses (sm_80 for these), never above
        // the architecture asked for; ptxas -arch=sm_90 then assembles it for sm_90, as the driver's JIT would.
        var target = Regex.Match(compiled.PTXAssembly, @"\.target\s+sm_(\d+)");
        Assert.True(Regex.IsMatch(compiled.PTXAssembly, @"\.version\s+7\.8\b") && target.Success && int.Parse(target.Groups[1].Value) <= 90,
            $"want PTX ISA 7.8 with a target up to sm_90: {head}");

        var dir = TestMedia.OutputFolder($"ptx-{name}");
        var ptx = Path.Combine(dir, $"{name}.ptx");
        await File.WriteAllTextAsync(ptx, compiled.PTXAssembly);
        var (code, output, error) = await TestMedia.RunProcessAsync(ptxas, $"-arch=sm_90 -v -o \"{Path.Combine(dir, name + ".cubin")}\" \"{ptx}\"");
        var report = output + error;
        log.WriteLine(report);
        Assert.True(code == 0, $"ptxas rejected {name}'s PTX ({code}): {report}");
        var used = Regex.Match(report, @"Used (\d+) registers");
        var spills = Regex.Match(report, @"(\d+) bytes spill stores, (\d+) bytes spill loads");
        Assert.True(used.Success && spills.Success, $"no register report from ptxas -v: {report}");
        log.WriteLine($"{name}: {used.Groups[1].Value} registers, {spills.Groups[1].Value} bytes spill stores, {spills.Groups[2].Value} bytes spill loads");
        Assert.Equal("0", spills.Groups[1].Value);
        Assert.Equal("0", spills.Groups[2].Value);
    }

    /// <summary>ptxas from MEDIAGRAPH_PTXAS, else the cache scripts/fetch-ptxas.sh fills.</summary>
    private static string FindPtxas()
    {
        var path = Environment.GetEnvironmentVariable("MEDIAGRAPH_PTXAS");
        if (string.IsNullOrEmpty(path))
        {
            var cache = Environment.GetEnvironmentVariable("MEDIAGRAPH_CACHE")
                ?? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "mediagraph");
            path = Path.Combine(cache, "ptxas-11.8", "ptxas");
        }
        Assert.True(File.Exists(path), $"ptxas not found at {path}: run scripts/fetch-ptxas.sh (scripts/setup.sh does), or set MEDIAGRAPH_PTXAS");
        return path;
    }
}
