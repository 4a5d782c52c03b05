namespace MediaGraph;

/// <summary>
/// An app-facing node (<see cref="AppSource{T}"/>, <see cref="AppSink{T}"/>) whose channel to the app belongs to one
/// run. <see cref="Graph.RunAsync"/> calls <see cref="BeginRun"/> on the caller's thread before any node starts, so
/// an app that writes, completes or starts reading right after calling RunAsync always meets that run's channel,
/// never the previous run's (node instances are created on other threads, too late to decide that).
/// </summary>
internal interface IAppEndpoint
{
    /// <summary>Makes a fresh channel when the current one was taken by an earlier run.</summary>
    void BeginRun();
}
