using System.Text;
using SlotSharp.Backends;
using SlotSharp.Generation;
using SlotSharp.Tokenization;

namespace SlotSharp.Engine;

/// <summary>
/// One choice of a request while it decodes: its backend sequence (choice 0 decodes on the request's own, every
/// other choice on a fork of it), its sampler state, and its text as it becomes final (detokenized, special tokens
/// skipped, cut before a stop string). Engine thread only.
/// </summary>
internal sealed class DecodeLane
{
    readonly StreamingDetokenizer _detokenizer;
    readonly StopStringFilter _stops;
    readonly StringBuilder _text = new();
    readonly float[]? _firstLogits;
    readonly List<TokenLogprob> _pending = [];

    /// <param name="firstLogits">Logits to choose the first token from instead of the sequence's (a branch starts from
    /// the prompt's, which an earlier wave's decoding overwrote).</param>
    public DecodeLane(int choice, BackendSequence sequence, bool ownsSequence, DecodeState decode, ITokenizer tokenizer,
        IReadOnlyList<string> stopStrings, float[]? firstLogits)
    {
        Choice = choice;
        Sequence = sequence;
        OwnsSequence = ownsSequence;
        Decode = decode;
        _detokenizer = new StreamingDetokenizer(tokenizer, skipSpecialTokens: true);
        _stops = new StopStringFilter(stopStrings);
        _firstLogits = firstLogits;
    }

    public int Choice { get; }
    public BackendSequence Sequence { get; }
    /// <summary>A fork, freed with the lane; choice 0's sequence belongs to the request.</summary>
    public bool OwnsSequence { get; }
    public DecodeState Decode { get; }
    /// <summary>The SLOT stage that made the lane's bias (null: none ran), for its result.</summary>
    public SlotSummary? Slot { get; init; }
    /// <summary>The prompt's log-probabilities under the lane's bias, when the request asked for them.</summary>
    public IReadOnlyList<TokenLogprob>? PromptLogprobs { get; init; }
    /// <summary>Set once the lane chose its last token (or the request ended around it).</summary>
    public FinishReason? Ended { get; set; }
    public string Text => _text.ToString();

    public ReadOnlySpan<float> NextLogits => Decode.Generated.Count == 0 && _firstLogits != null ? _firstLogits : Sequence.Logits;

    /// <summary>
    /// Adds a chosen token; returns the text now final (held-back text that may begin a stop string waits) and whether
    /// a stop string completed. The token's log-probability, if recorded, waits for the next piece.
    /// </summary>
    public (string Piece, bool StopString) Push(int id)
    {
        if (Decode.Logprobs is { Count: > 0 } recorded) _pending.Add(recorded[^1]);
        var piece = _stops.Push(_detokenizer.Push(id));
        _text.Append(piece);
        return (piece, _stops.Stopped);
    }

    /// <summary>The text held back at the lane's end (a stop string that never completed, bytes of a last character).</summary>
    public string Flush()
    {
        if (_stops.Stopped) return "";
        var piece = _stops.Push(_detokenizer.Flush()) + _stops.Flush();
        _text.Append(piece);
        return piece;
    }

    /// <summary>The log-probabilities recorded since the last piece, handed to it.</summary>
    public IReadOnlyList<TokenLogprob> TakePending()
    {
        if (_pending.Count == 0) return [];
        var taken = _pending.ToArray();
        _pending.Clear();
        return taken;
    }
}
