using System.Threading.Channels;

namespace SlotSharp.Engine;

/// <summary>
/// A submitted request: its tokens as they are chosen, then its <see cref="EngineResult"/>. Any thread may read it.
/// The token stream completes when the request finishes, whatever the reason (read it from <see cref="Completion"/>).
/// </summary>
public sealed class EngineHandle
{
    readonly EngineWork _work;

    internal EngineHandle(EngineWork work) => _work = work;

    public long Id => _work.Id;

    public EngineRequestState State => _work.State;

    /// <summary>Each generated id of choice 0, in order (unbounded: a slow reader never stalls the engine).</summary>
    public ChannelReader<int> Tokens => _work.Tokens.Reader;

    /// <summary>
    /// Completes on the engine thread's finish of this request with choice 0's result; never faults (errors are a
    /// finish reason).
    /// </summary>
    public Task<EngineResult> Completion => _work.Result.Task;

    /// <summary>Every choice's result, in choice order, when the request finishes (one entry unless it asked for several).</summary>
    public Task<IReadOnlyList<EngineResult>> Choices => _work.Results.Task;

    /// <summary>
    /// Every choice's text pieces as they become final, interleaved as the engine steps, with the log-probabilities of
    /// their tokens when the request asked for them; completes with the request.
    /// </summary>
    public ChannelReader<EnginePiece> Pieces => _work.Pieces.Reader;

    /// <summary>
    /// Choice 0's generated text as it becomes final, in pieces whose concatenation is the result's <see cref="EngineResult.Text"/>
    /// (special tokens skipped; text that may begin a stop string is held back until decided).
    /// </summary>
    public ChannelReader<string> Text => _work.Text.Reader;

    public IAsyncEnumerable<int> StreamTokensAsync(CancellationToken cancel = default) => Tokens.ReadAllAsync(cancel);
}
