namespace MediaGraph;

internal static class GraphJson
{
    public static string Write(Graph graph) => throw new NotImplementedException();
    public static Graph Read(string json, GraphOptions? options) => throw new NotImplementedException();
}
