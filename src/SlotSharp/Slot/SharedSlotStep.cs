namespace SlotSharp.Slot;

/// <summary>
/// One <see cref="SlotLoop.Advance"/> of several loops over the same W, their passes over W shared: all products
/// u_i = W delta_i in one pass, each loop's loss and residual r_i from its own u_i, all gradients g_i = Wᵀ r_i in one
/// pass, then each loop's own optimizer step. Loops whose step was their last then evaluate their final loss the same
/// way (a second round, products only), as <see cref="SlotLoop.Advance"/> does within one call. Each loop keeps its
/// own loss, optimizer state and stop bookkeeping, so the results equal each loop advanced alone (the products are
/// the same row by row; only the parallel blocks' summation order of Wᵀ r may differ).
/// </summary>
internal static class SharedSlotStep
{
    public static void Advance(IReadOnlyList<(SlotLoop Loop, HostSlotGradient Gradient)> members)
    {
        var round = members;
        while (round.Count > 0)
        {
            Round(round);
            round = round.Where(m => m.Loop.FinalLossDue).ToList();
        }
    }

    static void Round(IReadOnlyList<(SlotLoop Loop, HostSlotGradient Gradient)> members)
    {
        var w = members[0].Gradient.Weight;
        int threads = members.Max(m => m.Gradient.Threads);
        var inputs = members.Select(m => m.Gradient.ProductInput()).ToArray();
        var products = WeightProducts.Products(w, inputs.Where(x => x is not null).Select(x => x!).ToArray(), threads);
        var losses = new double[members.Count];
        var residuals = new float[]?[members.Count];
        for (int i = 0, next = 0; i < members.Count; i++)
        {
            var (loop, gradient) = members[i];
            // Step 1 starts at delta = 0, where u = W·0 = 0 exactly: that member takes no pass over W.
            var u = inputs[i] is null ? gradient.ZeroProduct() : products[next++];
            losses[i] = gradient.LossAndResidual(u, loop.NextNeedsGradient, out residuals[i]);
        }
        var gradients = WeightProducts.TransposedProducts(w, residuals.Where(r => r is not null).Select(r => r!).ToArray(), threads);
        for (int i = 0, next = 0; i < members.Count; i++)
        {
            if (residuals[i] is not null) gradients[next++].CopyTo(members[i].Loop.Gradient, 0);
            members[i].Loop.Accept(losses[i]);
        }
    }
}
