namespace SlotSharp.Evaluation.Loglik;

/// <summary>One (context, continuation) pair whose continuation is scored: lm-evaluation-harness's loglikelihood
/// request, with the target delimiter already in the continuation.</summary>
internal sealed record LoglikRequest(string Context, string Continuation);

/// <summary>
/// A multiple-choice document after the task's prompt functions: one request per choice (the same context with each
/// choice as continuation, or for Winogrande each choice's context with one shared continuation), the choice strings
/// whose lengths acc_norm divides by (doc_to_choice, without the delimiter) and the gold choice.
/// </summary>
/// <param name="Group">MMLU's subject: lm-evaluation-harness runs one task per subject, so a limit applies per subject.</param>
internal sealed record ChoiceDocument(int Index, string Id, IReadOnlyList<LoglikRequest> Requests,
    IReadOnlyList<string> Choices, int Gold, string? Group = null);
