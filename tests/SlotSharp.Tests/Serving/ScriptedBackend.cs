using SlotSharp.Backends;
using SlotSharp.Slot;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// A backend whose every answer is fixed in advance: request k (in prefill order) decodes reply k's token ids, then
/// the end id, whatever the prompt (its logits put all the mass on the scripted token). It records each prompt, so a
/// test sees exactly what the server rendered. A random tiny model cannot be steered into a well-formed tool call;
/// this can, and everything above the backend (engine, server, parsers) runs for real. No SLOT.
/// </summary>
internal sealed class ScriptedBackend(int vocabSize, IReadOnlyList<int[]> replies, int endId) : IModelBackend
{
    int _next;

    public List<int[]> Prompts { get; } = [];
    public string Name => "scripted";
    public int VocabSize => vocabSize;
    public int HiddenSize => 8;
    public int MaxPositions => 32768;
    public KvGeometry Kv => new(KvUnit.Bytes, 1, null);
    public int MaxSequences => 64;
    public int CacheSequences => 0; // a prefix cache would change nothing the script shows
    public ISlotMath SlotMath => throw new NotSupportedException("the scripted backend runs no SLOT");

    public BackendSequence Prefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, CancellationToken cancel = default) =>
        PrefillRun.RunToEnd(StartPrefill(promptIds, keepHidden, expectedLength), cancel);

    public PrefillRun StartPrefill(IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, bool keepLogits = false)
    {
        Prompts.Add([.. promptIds]);
        var reply = _next < replies.Count ? replies[_next++] : [];
        return new Run(this, [.. promptIds], [.. reply, endId]);
    }

    /// <summary>The script ignores the prompt, so a reused prefix is a prefill like any other.</summary>
    public PrefillRun StartPrefillAfter(BackendSequence prefix, int reuse, IReadOnlyList<int> promptIds, bool keepHidden, long expectedLength, bool keepLogits = false) =>
        StartPrefill(promptIds, keepHidden, expectedLength, keepLogits);

    public void Rewind(BackendSequence sequence, int length) => sequence.Length = length;

    public void Step(IReadOnlyList<BackendSequence> sequences, IReadOnlyList<int> tokens)
    {
        foreach (var s in sequences.Cast<Sequence>())
        {
            s.Length++;
            s.Show(s.Length - s.PromptIds.Length);
        }
    }

    public BackendSequence Fork(BackendSequence source)
    {
        var s = (Sequence)source;
        var fork = new Sequence(this, s.PromptIds, s.Script) { Length = s.Length };
        fork.Show(s.Length - s.PromptIds.Length);
        return fork;
    }

    public void Dispose() { }

    sealed class Sequence(ScriptedBackend owner, int[] prompt, int[] script) : BackendSequence(prompt, new float[owner.VocabSize], 0)
    {
        public int[] Script { get; } = script;

        /// <summary>Logits that make step k's token the only choice (the end id once the script is spent).</summary>
        public void Show(int k)
        {
            Array.Clear(Logits);
            Logits[Script[Math.Min(k, Script.Length - 1)]] = 100;
        }

        protected override void ReleaseEngineState() { }
    }

    sealed class Run(ScriptedBackend owner, int[] prompt, int[] script) : PrefillRun(prompt, false)
    {
        public override int MaxChunk => int.MaxValue;
        protected override void RunChunk(int start, int count) { }
        protected override BackendSequence BuildSequence(double prefillMilliseconds)
        {
            var s = new Sequence(owner, PromptIds, script);
            s.Show(0);
            return s;
        }
        protected override void Release(bool handedOver) { }
    }
}
