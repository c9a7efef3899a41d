using System.CommandLine;

namespace SlotSharp.Cli.Commands;

/// <summary>--no-prefix-cache, shared by serve, chat and the eval commands (EngineOptions.PrefixCache).</summary>
internal static class PrefixCacheOption
{
    public static Option<bool> Create() => new("--no-prefix-cache")
    {
        Description = "Prefill every prompt whole instead of reusing the KV of a prompt prefix seen before (a shared system " +
            "prompt, the chat so far): slower, and each answer is bit for bit what the request alone gives (docs/engine.md)",
    };
}
