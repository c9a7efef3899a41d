using SlotSharp.Hub;

namespace SlotSharp.Tests.Hub;

/// <summary>Progress&lt;T&gt; posts asynchronously; tests need every report before asserting.</summary>
sealed class SyncProgress(List<HubProgress> sink) : IProgress<HubProgress>
{
    public void Report(HubProgress value) { lock (sink) sink.Add(value); }
}
