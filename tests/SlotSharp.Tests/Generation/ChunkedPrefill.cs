using System.Text.Json.Nodes;
using SlotSharp.Backends;
using SlotSharp.Runtime;
using SlotSharp.Tests.Gguf;

namespace SlotSharp.Tests.Generation;

/// <summary>Drives a <see cref="PrefillRun"/> chunk by chunk and compares its sequence with a one-shot prefill or a golden.</summary>
static class ChunkedPrefill
{
    /// <summary>Runs every chunk of at most <paramref name="chunk"/> positions, checking the run's progress, then hands over the sequence.</summary>
    public static BackendSequence Run(PrefillRun run, int chunk, Action? betweenChunks = null)
    {
        using (run)
        {
            int total = run.PromptIds.Length;
            while (!run.Finished)
            {
                int before = run.Position;
                Assert.Equal(Math.Min(chunk, total - before), run.Advance(chunk));
                Assert.Equal(before + Math.Min(chunk, total - before), run.Position);
                if (!run.Finished) betweenChunks?.Invoke();
            }
            return run.Complete();
        }
    }

    /// <summary>A sequence's prefill results, copied out so the sequence can be freed before the next prefill runs.</summary>
    public sealed record Output(int[] PromptIds, float[] Logits, float[]? Hidden)
    {
        public static Output Of(BackendSequence s) =>
            new(s.PromptIds, s.Logits.ToArray(), s.PromptHidden is { } h ? h.Floats() : null);
    }

    public static void AssertBitIdentical(Output expected, BackendSequence actual)
    {
        Assert.Equal(expected.PromptIds, actual.PromptIds);
        Assert.Equal(expected.PromptIds.Length, actual.Length);
        Assert.True(expected.Logits.AsSpan().SequenceEqual(actual.Logits), "last logits differ");
        Assert.Equal(expected.Hidden is null, actual.PromptHidden is null);
        if (expected.Hidden is { } h)
            Assert.True(h.AsSpan().SequenceEqual(actual.PromptHidden!.Floats()), "hidden states differ");
    }

    /// <summary>The golden's last logits and last hidden state, within its recommended 1e-4.</summary>
    public static void AssertMatchesGolden(JsonObject prompt, BackendSequence sequence)
    {
        Golden.AssertClose(Golden.Doubles(prompt["logits_last"]!["values"]), sequence.Logits, 1e-4, "logits_last");
        var last = sequence.PromptHidden!.Row(sequence.PromptIds.Length - 1).ToArray();
        Golden.AssertClose(Golden.Doubles(prompt["last_hidden"]), last, 1e-4, "last_hidden");
    }
}
