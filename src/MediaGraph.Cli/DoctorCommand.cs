using System.CommandLine;

namespace MediaGraph.Cli;

/// <summary><c>mediagraph doctor</c>: prints <see cref="Diagnostics.Report(out bool)"/> (native library, FFmpeg
/// versions, the codecs and filters the defaults need); exits 1 when something required is missing.</summary>
internal static class DoctorCommand
{
    public static Command Create(CliContext cli)
    {
        var command = new Command("doctor", "Check the native library, the FFmpeg it loads, and the codecs and filters MediaGraph needs");
        command.SetAction(_ =>
        {
            cli.Out.WriteLine(Diagnostics.Report(out var healthy));
            return healthy ? 0 : Program.Failed;
        });
        return command;
    }
}
