using System.CommandLine;

namespace MediaGraph.Cli;

/// <summary><c>mediagraph run graph.json</c>: builds the graph from its JSON form and runs it, with progress and
/// the metrics summary on stderr, and a line per finished chunk of a segmented output on stdout (as transcode). Paths
/// in the file are relative to the current directory.</summary>
internal static class RunCommand
{
    public static Command Create(CliContext cli)
    {
        var file = new Argument<string>("graph.json") { Description = "The graph in its JSON form (see Graph.ToJson)" };
        var command = new Command("run", "Run a graph described in a JSON file") { file, cli.TraceOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var progress = cli.CreateProgress();
            var graph = GraphFile.Load(parse.GetValue(file)!, cli.CreateGraphOptions(parse, progress));
            foreach (var mux in graph.Nodes.OfType<MuxNode>()) TranscodeCommand.PrintChunks(mux, cli.Out);
            if (parse.GetValue(cli.DeviceOption) is { } device) graph.Options.Device = device; // --device wins over the file's "device"
            return await cli.RunGraphAsync(graph, progress, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}

/// <summary>Reads a graph.json, naming the file in every error.</summary>
internal static class GraphFile
{
    public static Graph Load(string path, GraphOptions? options = null)
    {
        if (!File.Exists(path))
            throw new CommandException($"graph file '{path}' does not exist (current directory: {Environment.CurrentDirectory})");
        try
        {
            return Graph.FromJson(File.ReadAllText(path), options);
        }
        catch (GraphValidationException e)
        {
            throw new CommandException($"{path}: {e.Message}");
        }
    }
}
