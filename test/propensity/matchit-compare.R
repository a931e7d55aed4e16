# Reference results from R's glm and MatchIt on the Lalonde data, for matchit.test.ts.
# Args: lalonde.csv, output folder.
# MatchIt is given the linear predictor times 1e6 as its distance: Debian's MatchIt 4.5.1 compares
# distances with C's integer abs() in nn_matchC_vec, so differences below 1 all look equal (and a
# caliper below 1 is ignored); scaling makes that truncation irrelevant without changing the
# nearest-neighbour order.
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(MatchIt))
d <- read.csv(args[1])
rownames(d) <- d$rownames
d$race <- relevel(factor(d$race), ref = "white")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
g <- glm(f, data = d, family = binomial(), control = glm.control(epsilon = 1e-14, maxit = 50))
s <- coef(summary(g))
write.csv(data.frame(name = rownames(s), estimate = sprintf("%.17g", s[, 1]), se = sprintf("%.17g", s[, 2])),
          file.path(args[2], "coef.csv"), row.names = FALSE, quote = FALSE)
lp <- predict(g, type = "link")
write.csv(data.frame(id = d$rownames, treat = d$treat, married = d$married, lp = sprintf("%.17g", lp)),
          file.path(args[2], "lp.csv"), row.names = FALSE, quote = FALSE)
configs <- list(
  nn1 = list(ratio = 1, replace = FALSE),
  nn2 = list(ratio = 2, replace = FALSE),
  nn2r = list(ratio = 2, replace = TRUE),
  cal = list(ratio = 1, replace = FALSE, caliper = 0.1),
  exact = list(ratio = 1, replace = FALSE, exact = ~married)
)
for (name in names(configs)) {
  cfg <- configs[[name]]
  m <- do.call(matchit, c(list(f, data = d, method = "nearest", distance = lp * 1e6), cfg))
  mm <- m$match.matrix
  out <- data.frame(t = rownames(mm))
  for (k in seq_len(ncol(mm))) out[[paste0("c", k)]] <- ifelse(is.na(mm[, k]), "", mm[, k])
  write.csv(out, file.path(args[2], paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
}
