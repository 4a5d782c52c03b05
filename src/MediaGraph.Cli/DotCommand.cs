using System.CommandLine;

namespace MediaGraph.Cli;

/// <summary><c>mediagraph dot graph.json</c>: prints the graph as Graphviz DOT on stdout, to pipe into
/// <c>dot -Tpng -o graph.png</c>. Nothing runs and no input is opened.</summary>
internal static class DotCommand
{
    public static Command Create(CliContext cli)
    {
        var file = new Argument<string>("graph.json") { Description = "The graph in its JSON form" };
        var command = new Command("dot", "Print a graph.json as Graphviz DOT (mediagraph dot g.json | dot -Tpng -o g.png)") { file };
        command.SetAction(parse =>
        {
            var graph = GraphFile.Load(parse.GetValue(file)!);
            if (parse.GetValue(cli.DeviceOption) is { } device) graph.Options.Device = device; // --device wins over the file's "device"
            cli.Out.Write(graph.ToDot());
            return 0;
        });
        return command;
    }
}
